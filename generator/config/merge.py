"""Layered defaults: agency `defaults` under each store file, with provenance for every value.

Precedence (highest first): the store file, then `defaults` in config/agency.yaml, then the schema's
`default`s (applied after validation). Source defaults (`defaults.sources.<type>`) apply only to the
sources a store declares: a default never switches a source on. Mappings merge key by key; lists and
single values replace whole. Provenance maps each merged path to the document that supplied it, so an
error about an inherited value points at config/agency.yaml, not at the store file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.config.yaml_loader import LoadedDoc, Path
from generator.errors import ConfigIssue, key_path


@dataclass(frozen=True)
class Located:
    """Merged data plus where each value came from."""

    data: dict[str, Any]
    origin: dict[Path, tuple[LoadedDoc, Path]]
    store: LoadedDoc

    def locate(self, path: Path, *, key: bool = False, in_store: bool = False) -> tuple[str, int, int]:
        """(file, line, column) of the value at `path`, or of its nearest ancestor that exists.

        With `in_store`, a value inherited from the agency file is located at the top of the store
        file instead: for problems that belong to the store even when the value does not.
        """
        probe = path
        while probe not in self.origin and probe:
            probe, key = probe[:-1], False
        doc, doc_path = self.origin.get(probe, (self.store, ()))
        if in_store and doc is not self.store:
            doc, doc_path, key = self.store, (), False
        line, col = doc.position(doc_path, key=key)
        return doc.file, line, col

    def issue(self, path: Path, message: str, hint: str, *, key: bool = False, in_store: bool = False,
              shown: Path | None = None) -> ConfigIssue:
        """A `ConfigIssue` located at `path` (at its key with `key=True`), naming `shown` (default `path`)."""
        return ConfigIssue(*self.locate(path, key=key, in_store=in_store),
                           key_path(path if shown is None else shown), message, hint)


def merge_defaults(store: LoadedDoc, agency: LoadedDoc | None) -> Located:
    """The store document laid over the agency's `defaults` (both already parsed)."""
    origin: dict[Path, tuple[LoadedDoc, Path]] = {}
    base: dict[str, Any] = {}
    data = store.data if isinstance(store.data, dict) else {}
    if agency is not None and isinstance(agency.data, dict) and isinstance(agency.data.get("defaults"), dict):
        base = _overlay({}, _declared_sources_only(agency.data["defaults"], data), (), agency, ("defaults",), origin)
    merged = _overlay(base, data, (), store, (), origin)
    origin[()] = (store, ())
    return Located(merged, origin, store)


def _declared_sources_only(defaults: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    declared = store.get("sources") if isinstance(store.get("sources"), dict) else {}
    if not isinstance(defaults.get("sources"), dict):
        return defaults
    kept = {k: v for k, v in defaults["sources"].items() if k in declared}
    rest = {k: v for k, v in defaults.items() if k != "sources"}
    return {**rest, "sources": kept} if kept else rest


def _overlay(base: dict[str, Any], top: dict[str, Any], path: Path, doc: LoadedDoc, doc_path: Path,
             origin: dict[Path, tuple[LoadedDoc, Path]]) -> dict[str, Any]:
    result = dict(base)
    for key, value in top.items():
        here, there = (*path, key), (*doc_path, key)
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _overlay(result[key], value, here, doc, there, origin)
            origin[here] = (doc, there)  # the mapping itself is written in `doc`; inherited keys keep theirs
        else:
            result[key] = value
            _record(value, here, doc, there, origin)
    return result


def _record(value: Any, path: Path, doc: LoadedDoc, doc_path: Path,
            origin: dict[Path, tuple[LoadedDoc, Path]]) -> None:
    """Claim `path` and everything below it for `doc` (a replaced value takes its subtree with it)."""
    if path in origin:  # only a value that replaces an inherited one can leave stale entries below it
        for stale in [p for p in origin if p[:len(path)] == path]:
            del origin[stale]
    origin[path] = (doc, doc_path)
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for child_key, child in children:
        _record(child, (*path, child_key), doc, (*doc_path, child_key), origin)
