"""Snapshot of every generated artefact of the example stores, one reviewable file each.

A template change shows up in review as a diff of real code: snapshots are stored with the artefact's own
suffix (.py, .sql, .yml, .csv; .txt for .airflowignore). Update them with `pytest --snapshot-update`.
"""

from __future__ import annotations

import json

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from generator.cli import main
from generator.config import load_project
from generator.plan import PlannedFile, build_plan
from tests.helpers import REPO_ROOT, committed_generated


class _Artefact(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT


class PythonArtefact(_Artefact):
    file_extension = "py"


class SqlArtefact(_Artefact):
    file_extension = "sql"


class YamlArtefact(_Artefact):
    file_extension = "yml"


class TextArtefact(_Artefact):
    file_extension = "txt"


class CsvArtefact(_Artefact):
    file_extension = "csv"


EXTENSIONS: dict[str, type[_Artefact]] = {
    ".py": PythonArtefact, ".sql": SqlArtefact, ".yml": YamlArtefact, ".airflowignore": TextArtefact,
    ".csv": CsvArtefact,
}

PLAN = build_plan(load_project(REPO_ROOT).merchants.values())


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name if name.startswith(".") else "." + name.rsplit(".", 1)[-1]


def _snapshot_id(path: str) -> str:
    """`data/dbt/demo_store/models/marts/dim_store.sql` → `data-dbt-demo_store-models-marts-dim_store`."""
    stem = path.removesuffix(_suffix(path)) if not path.endswith("/.airflowignore") else path.replace(".", "")
    return stem.replace("/", "-")


def test_plan_covers_the_three_example_stores_and_the_shared_files():
    owners = {f.owner for f in PLAN}
    assert owners == {"", "berlin-bikes", "brooklyn-coffee", "demo-store"}
    assert {f.path for f in PLAN if f.owner == ""} == {
        "dags/.airflowignore", "dags/ecomm_pipelines/__init__.py", "dags/ecomm_pipelines/runtime.py"}
    assert len({_snapshot_id(f.path) for f in PLAN}) == len(PLAN), "two artefacts would share a snapshot file"


@pytest.mark.parametrize("planned", PLAN, ids=[_snapshot_id(f.path) for f in PLAN])
def test_generated_file(planned: PlannedFile, snapshot):
    assert planned.content == snapshot(extension_class=EXTENSIONS[_suffix(planned.path)])


def test_committed_generated_folder_equals_the_plan_byte_for_byte():
    committed = committed_generated()
    expected = {f.path: f.content.encode("utf-8") for f in PLAN}
    manifest = json.loads(committed.pop(".ecomm-manifest.json"))
    assert manifest == {f.path: f.owner for f in PLAN}
    assert sorted(committed) == sorted(expected), "generated/ lists other files than the plan produces"
    stale = [path for path in expected if committed[path] != expected[path]]
    assert not stale, f"generated/ is out of date (run `ecomm generate`): {stale}"


def test_generate_check_is_green_on_the_repo(capsys):
    assert main(["generate", "--check", "--root", str(REPO_ROOT)]) == 0
    out = capsys.readouterr().out
    assert f"{len(PLAN)} unchanged" in out
    assert "would" not in out
