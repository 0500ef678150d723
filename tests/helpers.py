"""Helpers shared by the test packages: copy the example project, run the CLI, read and write files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ".ecomm-manifest.json"


def copy_project(tmp_path: Path, *, generated: bool = True) -> Path:
    """Copy the repo's config/ (and, unless told otherwise, generated/) into `tmp_path`; returns `tmp_path`.

    Only the generated files the manifest lists (and the manifest) are copied, so stray artefacts in the
    checkout (dbt's target/ or .user.yml, __pycache__) never leak into a test.
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO_ROOT / "config", tmp_path / "config")
    if generated:
        source, target = REPO_ROOT / "generated", tmp_path / "generated"
        for path in [*json.loads((source / MANIFEST).read_text(encoding="utf-8")), MANIFEST]:
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / path, target / path)
    return tmp_path


def run_cli(*args: str | Path, root: Path | None = None, cwd: Path | str | None = None,
            env: Mapping[str, str | None] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator.cli ARGS [--root ROOT]` in a subprocess and capture its output.

    The environment is the current one; `env` adds variables (a value of None removes one). `--root` goes
    after the command, where every sub-command accepts it.
    """
    command = [sys.executable, "-m", "generator.cli", *map(str, args)]
    if root is not None:
        command += ["--root", str(root)]
    environment = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, encoding="utf-8",
                          timeout=timeout, check=False)


def write(path: Path, text: str) -> Path:
    """Write `text` exactly (UTF-8, no newline translation), creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by POSIX path relative to it, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def committed_generated() -> dict[str, bytes]:
    """The checkout's generated output: the files its manifest lists, plus the manifest."""
    folder = REPO_ROOT / "generated"
    owned = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return {path: (folder / path).read_bytes() for path in sorted([*owned, MANIFEST])}
