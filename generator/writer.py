"""The writer: compares a plan with generated/, then writes atomically or, with `check`, only reports.

It owns exactly the files listed in generated/.ecomm-manifest.json (with the store each belongs to).
It prunes owned files that the plan no longer produces for the stores it was asked about, and never
touches any other file. Stores whose config is invalid are passed in `keep` and left as they are.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UserError
from generator.plan import SHARED, PlannedFile

MANIFEST = ".ecomm-manifest.json"


@dataclass(frozen=True, order=True)
class Change:
    """One file's fate: `create`, `update`, `delete`, `unchanged`, or `conflict` (a file ecomm does not own)."""

    path: str
    action: str
    owner: str


def plan_changes(out: Path, plan: list[PlannedFile], scope: Iterable[str] | None, keep: Iterable[str] = ()
                 ) -> list[Change]:
    """What writing `plan` would do. `scope` = the stores to reconcile (None: every store)."""
    owned = read_manifest(out)
    planned = {f.path for f in plan}
    chosen, kept = (None if scope is None else set(scope)), set(keep)
    if kept:  # the kept stores' DAGs still import the shared runtime
        kept.add(SHARED)
    changes = [_compare(out, f, owned) for f in plan]
    changes += [Change(path, "delete", owner) for path, owner in sorted(owned.items())
                if path not in planned and owner not in kept and (chosen is None or owner in chosen)]
    return sorted(changes)


def write_changes(out: Path, plan: list[PlannedFile], changes: list[Change]) -> None:
    """Apply `changes`: every file via a temp file and rename, the manifest last (and only if it changed).

    A planned file that exists but was not written by the generator is someone else's: nothing is
    written and the conflict is reported.
    """
    conflicts = [change.path for change in changes if change.action == "conflict"]
    if conflicts:
        raise UserError(f"generated/{conflicts[0]} exists but was not written by ecomm "
                        f"({len(conflicts)} such file(s)); move it out of generated/ and run again")
    contents = {f.path: f.content for f in plan}
    owned = read_manifest(out)
    before = dict(owned)
    for change in changes:
        target = out / change.path
        if change.action == "delete":
            target.unlink(missing_ok=True)
            owned.pop(change.path, None)
            _remove_empty_parents(target.parent, out)
        else:
            if change.action != "unchanged":
                atomic_write(target, contents[change.path])
            owned[change.path] = change.owner
    if owned != before or not (out / MANIFEST).exists():
        atomic_write(out / MANIFEST, json.dumps(dict(sorted(owned.items())), indent=1) + "\n")


def read_manifest(out: Path) -> dict[str, str]:
    path = out / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def atomic_write(path: Path, content: str) -> None:
    """Write through a temp file in the same folder and `os.replace`, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _compare(out: Path, planned: PlannedFile, owned: dict[str, str]) -> Change:
    target = out / planned.path
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current is None:
        action = "create"
    elif current == planned.content:
        action = "unchanged"
    else:
        action = "update" if planned.path in owned else "conflict"
    return Change(planned.path, action, planned.owner)


def unified_diff(out: Path, change: Change, plan: list[PlannedFile]) -> str:
    """The change as a unified diff (computed on demand: most runs never show one)."""
    target = out / change.path
    old = target.read_text(encoding="utf-8").splitlines(keepends=True) if target.exists() else []
    new = next((f.content for f in plan if f.path == change.path), "") if change.action != "delete" else ""
    return "".join(difflib.unified_diff(old, new.splitlines(keepends=True), f"a/{change.path}", f"b/{change.path}"))


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
