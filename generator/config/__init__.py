"""Load every config file of a project into valid store models plus every issue found.

Stages, each a plain function: parse (yaml_loader) → layer agency defaults (merge) → credential scan
and JSON Schema (schema, rules) → schema defaults → semantic rules → frozen model. A broken store is
reported and left out; the others carry on. A broken agency file stops every store, since all of
them inherit from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.config.costs import load_cogs
from generator.config.merge import Located, merge_defaults
from generator.config.rules import credential_issues, cross_store_issues, semantic_issues
from generator.config.schema import resolve_ref, schema, schema_issues, secret_paths
from generator.config.yaml_loader import LoadedDoc, load_yaml
from generator.errors import ConfigError, ConfigIssue
from generator.model import CogsRow, Merchant, build_merchant
from generator.sources import SOURCE_TYPES

AGENCY_FILE = "config/agency.yaml"
MERCHANTS_DIR = "config/merchants"


@dataclass(frozen=True)
class Project:
    """What the config folder holds: valid stores by slug, the slugs of invalid ones, and all issues."""

    root: Path
    merchants: dict[str, Merchant]
    invalid: tuple[str, ...]
    issues: tuple[ConfigIssue, ...]
    agency_name: str = ""


def load_project(root: Path) -> Project:
    """Parse and validate `config/` under `root`. Never raises for bad config: issues are data."""
    issues: list[ConfigIssue] = []
    agency = _load_agency(root, issues)
    agency_broken = bool(issues)
    stores: dict[str, Located] = {}
    cogs: dict[str, tuple[CogsRow, ...]] = {}
    invalid: list[str] = []
    for path in sorted(p for p in (root / MERCHANTS_DIR).glob("*") if not p.name.startswith(".")):
        slug, found = path.stem, _check_store(root, path, agency, issues, agency_broken, cogs)
        if found is None:
            invalid.append(slug)
        else:
            stores[slug] = found
    merchants = _cross_check(stores, cogs, issues, invalid)
    name = agency.data.get("agency", "") if agency is not None and isinstance(agency.data, dict) else ""
    return Project(root, merchants, tuple(sorted(invalid)), tuple(sorted(set(issues))), name)


def _load_agency(root: Path, issues: list[ConfigIssue]) -> LoadedDoc | None:
    path = root / AGENCY_FILE
    if not path.exists():
        return None
    doc = _parse(path, AGENCY_FILE, issues)
    if doc is not None:
        located = merge_defaults(doc, None)
        found, pasted = credential_issues(located, secret_paths(located.data.get("defaults"), ("defaults",)))
        issues += found + schema_issues(located, "agency", pasted)
    return doc


def _check_store(root: Path, path: Path, agency: LoadedDoc | None, issues: list[ConfigIssue],
                 agency_broken: bool, cogs: dict[str, tuple[CogsRow, ...]]) -> Located | None:
    display = path.relative_to(root).as_posix()
    if path.suffix != ".yaml" or not path.is_file():
        issues.append(ConfigIssue(display, 1, 1, "", "store files must end in `.yaml`",
                                  f"rename it to {MERCHANTS_DIR}/{path.stem}.yaml"))
        return None
    doc = _parse(path, display, issues)
    if doc is None or agency_broken:
        return None
    if not isinstance(doc.data, dict):
        issues.append(ConfigIssue(display, 1, 1, "",
                                  f"expected a mapping of `key: value` lines at the top level, got {_kind(doc.data)}",
                                  "start from an example such as config/merchants/demo-store.yaml"))
        return None
    located = merge_defaults(doc, agency)
    found, pasted = credential_issues(located, secret_paths(located.data))
    found += schema_issues(located, "merchant", pasted)
    if not found:
        apply_defaults(located.data, schema("merchant"))
        found = semantic_issues(located, path.stem)
    cogs_file = located.data.get("costs", {}).get("cogs", {}).get("csv")
    if not found and cogs_file:
        rows, found = load_cogs(root, cogs_file)
        cogs[path.stem] = rows
    issues += found
    return None if found else located


def _cross_check(stores: dict[str, Located], cogs: dict[str, tuple[CogsRow, ...]], issues: list[ConfigIssue],
                 invalid: list[str]) -> dict[str, Merchant]:
    prefixes = {slug: doc.data.get("warehouse", {}).get("dataset_prefix", slug.replace("-", "_"))
                for slug, doc in stores.items()}
    clashes = cross_store_issues(stores, prefixes)
    issues += [issue for _, issue in clashes]
    bad = {slug for slug, _ in clashes}
    builders = {name: source.build for name, source in SOURCE_TYPES.items()}
    merchants = {}
    for slug, doc in sorted(stores.items()):
        if slug in bad:
            invalid.append(slug)
        else:
            implied = tuple(name for name, source in SOURCE_TYPES.items() if source.implied(doc.data["sources"]))
            merchants[slug] = build_merchant(doc.data, doc.store.file, builders, implied, cogs.get(slug, ()))
    return merchants


def _kind(data: Any) -> str:
    return "a list" if isinstance(data, list) else "text" if isinstance(data, str) else "a single value"


def _parse(path: Path, display: str, issues: list[ConfigIssue]) -> LoadedDoc | None:
    try:
        return load_yaml(path.read_bytes(), display)
    except ConfigError as err:
        issues += err.issues
        return None


def apply_defaults(data: dict[str, Any], node: dict[str, Any]) -> None:
    """Fill in the schema's `default`s, in place. Missing sections are created only when optional."""
    for key, prop in node.get("properties", {}).items():
        prop = resolve_ref(prop)
        if key not in data and "default" in prop:
            data[key] = prop["default"]
        elif key not in data and prop.get("type") == "object" and "required" not in prop and _has_defaults(prop):
            data[key] = {}
        if isinstance(data.get(key), dict) and prop.get("type") == "object":
            apply_defaults(data[key], prop)


def _has_defaults(node: dict[str, Any]) -> bool:
    return any("default" in resolve_ref(p) for p in node.get("properties", {}).values())
