"""The writer: create, no-op, manifest, pruning, scope, invalid stores kept, atomic writes, and the CLI's
--check / -v / --strict on top of it. Everything runs on copies of the example project in tmp_path."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from generator.config import load_project
from generator.plan import build_plan
from generator.writer import MANIFEST, atomic_write, plan_changes, read_manifest, unified_diff, write_changes
from tests.helpers import copy_project, read_tree, run_cli, write

STORES = ("berlin-bikes", "brooklyn-coffee", "demo-store")


def generate(root: Path, scope: set[str] | None = None) -> list:
    """What `ecomm generate [--merchant ...]` does, through the library API."""
    project = load_project(root)
    chosen = [m for slug, m in sorted(project.merchants.items()) if scope is None or slug in scope]
    plan = build_plan(chosen)
    changes = plan_changes(root / "generated", plan, scope, keep=project.invalid)
    write_changes(root / "generated", plan, changes)
    return changes


def stats(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Inode, mtime and bytes of every file: an untouched file keeps all three (os.replace makes a new inode)."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    write(path, text.replace(old, new, 1))


def rename_store(root: Path, slug: str, old: str, new: str) -> None:
    edit(root / "config" / "merchants" / f"{slug}.yaml", f"display_name: {old}", f"display_name: {new}")


def break_store(root: Path, slug: str) -> None:
    edit(root / "config" / "merchants" / f"{slug}.yaml", "timezone: Europe/Berlin", "timezone: Mars/Olympus")


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    """A project with config/ only: generated/ does not exist yet."""
    return copy_project(tmp_path / "project", generated=False)


@pytest.fixture
def generated(fresh: Path) -> Path:
    """A project whose generated/ was just written from its config."""
    generate(fresh)
    return fresh


def test_creates_every_planned_file_from_empty(fresh: Path):
    plan = build_plan(load_project(fresh).merchants.values())
    pending = plan_changes(fresh / "generated", plan, None)
    assert all(unified_diff(fresh / "generated", c, plan).startswith(f"--- a/{c.path}\n+++ b/{c.path}\n")
               for c in pending)
    changes = generate(fresh)
    assert {c.action for c in changes} == {"create"}
    assert [c.path for c in changes] == [f.path for f in plan]
    on_disk = read_tree(fresh / "generated")
    assert on_disk.pop(MANIFEST)
    assert on_disk == {f.path: f.content.encode("utf-8") for f in plan}


def test_second_run_changes_nothing_and_leaves_every_generated_file_untouched(generated: Path):
    before = stats(generated / "generated")
    changes = generate(generated)
    assert {c.action for c in changes} == {"unchanged"}
    plan = build_plan(load_project(generated).merchants.values())
    assert all(unified_diff(generated / "generated", c, plan) == "" for c in changes)
    after = stats(generated / "generated")
    before.pop(MANIFEST), after.pop(MANIFEST)
    assert after == before


def test_second_run_does_not_rewrite_the_manifest(generated: Path):
    before = stats(generated / "generated")[MANIFEST]
    generate(generated)
    assert stats(generated / "generated")[MANIFEST] == before


def test_manifest_lists_exactly_the_owned_files_with_their_store(generated: Path):
    project = load_project(generated)
    plan = build_plan(project.merchants.values())
    text = (generated / "generated" / MANIFEST).read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert manifest == {f.path: f.owner for f in plan}
    assert list(manifest) == sorted(manifest) and text.endswith("}\n")
    assert MANIFEST not in manifest
    assert {owner for owner in manifest.values()} == {"", *STORES}
    for path, owner in manifest.items():
        store = path.split("/")[2] if path.startswith(("data/dbt/", "dags/ecomm_pipelines/")) else None
        if owner == "":
            assert path in {"dags/.airflowignore", "dags/ecomm_pipelines/__init__.py",
                            "dags/ecomm_pipelines/runtime.py"}
        else:
            ident = owner.replace("-", "_")
            assert store == ident or path == f"dags/ecomm_{ident}.py", (path, owner)
    assert read_manifest(generated / "generated") == manifest


def test_removed_store_is_pruned_and_user_files_are_never_touched(generated: Path):
    out = generated / "generated"
    user_files = {
        "dags/my_own_dag.py": "# my own DAG\n",
        "README.md": "# what this folder is\n",
        "data/dbt/berlin_bikes/.user.yml": "id: 1234\n",  # dbt drops this into a project folder
    }
    for path, text in user_files.items():
        write(out / path, text)
    user_before = {path: stats(out)[path] for path in user_files}
    others_before = {p: s for p, s in stats(out).items() if "berlin" not in p and p != MANIFEST}

    owned_before = read_manifest(out)
    (generated / "config" / "merchants" / "berlin-bikes.yaml").unlink()
    changes = generate(generated)

    deleted = {c.path for c in changes if c.action == "delete"}
    assert deleted == {p for p, owner in owned_before.items() if owner == "berlin-bikes"}
    assert {c.action for c in changes if c.path not in deleted} == {"unchanged"}
    assert read_manifest(out) == {p: owner for p, owner in owned_before.items() if owner != "berlin-bikes"}
    for path in deleted:
        assert not (out / path).exists()
    assert not (out / "dags" / "ecomm_pipelines" / "berlin_bikes").exists(), "empty folder left behind"
    assert not (out / "data" / "dbt" / "berlin_bikes" / "models").exists(), "empty folder left behind"
    # The folder that still holds a user's file stays, with only that file in it.
    assert [p.name for p in (out / "data" / "dbt" / "berlin_bikes").iterdir()] == [".user.yml"]
    after = stats(out)
    assert {path: after[path] for path in user_files} == user_before
    assert {p: s for p, s in after.items() if p in others_before} == others_before


def test_merchant_scope_only_reconciles_that_store(generated: Path):
    out = generated / "generated"
    rename_store(generated, "demo-store", "Demo Store", "Demo Store Renamed")
    rename_store(generated, "berlin-bikes", "Berlin Bikes GmbH", "Berlin Bikes AG")
    before = stats(out)

    changes = generate(generated, scope={"demo-store"})

    assert {c.owner for c in changes} == {"", "demo-store"}
    assert {c.path for c in changes if c.action == "update"} == {
        "dags/ecomm_demo_store.py", "dags/ecomm_pipelines/demo_store/settings.py",
        "data/dbt/demo_store/models/marts/dim_store.sql"}
    assert not [c for c in changes if c.action == "delete"], "a scoped run must not prune other stores"
    after = stats(out)
    assert "Demo Store Renamed" in (out / "dags/ecomm_demo_store.py").read_text(encoding="utf-8")
    untouched = {p: s for p, s in before.items() if "demo_store" not in p and p != MANIFEST}
    assert {p: after[p] for p in untouched} == untouched
    assert read_manifest(out) == json.loads(before[MANIFEST][2])


def test_merchant_scope_through_the_cli(generated: Path):
    rename_store(generated, "demo-store", "Demo Store", "Demo Store Renamed")
    rename_store(generated, "berlin-bikes", "Berlin Bikes GmbH", "Berlin Bikes AG")
    result = run_cli("generate", "--merchant", "demo-store", root=generated)
    assert result.returncode == 0, result.stderr
    assert "update generated/dags/ecomm_demo_store.py" in result.stdout
    assert "berlin" not in result.stdout
    assert "Berlin Bikes GmbH" in (generated / "generated/dags/ecomm_berlin_bikes.py").read_text(encoding="utf-8")


def test_invalid_store_keeps_its_existing_files(generated: Path):
    out = generated / "generated"
    before = stats(out)
    break_store(generated, "berlin-bikes")
    project = load_project(generated)
    assert project.invalid == ("berlin-bikes",)
    plan = build_plan(project.merchants.values())

    # Without `keep` the writer would prune the store, which is why the CLI passes the invalid ones.
    assert {c.owner for c in plan_changes(out, plan, None) if c.action == "delete"} == {"berlin-bikes"}
    changes = plan_changes(out, plan, None, keep=project.invalid)
    assert {c.action for c in changes} == {"unchanged"}
    write_changes(out, plan, changes)

    after = stats(out)
    berlin = {p: s for p, s in before.items() if "berlin" in p}
    assert len(berlin) > 10 and {p: after[p] for p in berlin} == berlin
    assert read_manifest(out) == json.loads(before[MANIFEST][2])


def test_atomic_write_replaces_the_file_in_one_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "deep" / "file.py"
    atomic_write(target, "old\n")
    old_inode = target.stat().st_ino
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        # At the moment of the rename, the temp file is complete and the target still holds the old text.
        seen.append((Path(src).parent, Path(src).read_text(encoding="utf-8"), Path(dst).read_text(encoding="utf-8")))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write(target, "new\ncontent\n")
    assert seen == [(target.parent, "new\ncontent\n", "old\n")]
    assert target.read_bytes() == b"new\ncontent\n"
    assert target.stat().st_ino != old_inode, "the file was rewritten in place instead of renamed over"
    assert target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.py"]


def test_failed_atomic_write_keeps_the_original_and_leaves_no_temp_file(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "file.py"
    atomic_write(target, "original\n")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, "half-written replacement\n")
    assert target.read_text(encoding="utf-8") == "original\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.py"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_writing_the_whole_project_leaves_no_temp_files(generated: Path):
    assert not [p for p in (generated / "generated").rglob("*") if p.name.endswith(".tmp")]


def test_check_writes_nothing_and_exits_1_when_stale(generated: Path):
    out = generated / "generated"
    rename_store(generated, "demo-store", "Demo Store", "Demo Shop")
    before = stats(out)
    result = run_cli("generate", "--check", root=generated)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "would update generated/dags/ecomm_demo_store.py" in result.stdout
    assert "would update generated/data/dbt/demo_store/models/marts/dim_store.sql" in result.stdout
    total = len(build_plan(load_project(generated).merchants.values()))
    stale = rf"3 would update, {total - 3} unchanged — generated/ is out of date"
    assert re.search(stale, result.stdout), result.stdout
    assert "--- a/" not in result.stdout, "the diff is only shown with -v"
    assert stats(out) == before


def test_check_verbose_prints_a_unified_diff(generated: Path):
    rename_store(generated, "demo-store", "Demo Store", "Demo Shop")
    before = stats(generated / "generated")
    result = run_cli("generate", "--check", "-v", root=generated)
    assert result.returncode == 1
    out = result.stdout
    settings = "dags/ecomm_pipelines/demo_store/settings.py"
    assert f"--- a/{settings}\n+++ b/{settings}\n" in out
    assert "\n-DISPLAY_NAME = 'Demo Store'\n+DISPLAY_NAME = 'Demo Shop'\n" in out
    assert re.search(r"^@@ -\d+(,\d+)? \+\d+(,\d+)? @@", out, re.M)
    assert stats(generated / "generated") == before


def test_check_on_a_fresh_project_would_create_everything_and_creates_nothing(fresh: Path):
    result = run_cli("generate", "--check", root=fresh)
    assert result.returncode == 1
    assert "would create generated/dags/ecomm_demo_store.py" in result.stdout
    assert not (fresh / "generated").exists()


def test_check_exits_0_when_up_to_date(generated: Path):
    before = stats(generated / "generated")
    result = run_cli("generate", "--check", "-v", root=generated)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "would" not in result.stdout and "--- a/" not in result.stdout
    total = len(build_plan(load_project(generated).merchants.values()))
    assert f"3 store(s) valid, 0 invalid; {total} unchanged" in result.stdout
    assert stats(generated / "generated") == before


def test_strict_with_one_broken_store_writes_nothing_at_all(generated: Path):
    rename_store(generated, "demo-store", "Demo Store", "Demo Shop")  # there is something to write...
    break_store(generated, "berlin-bikes")  # ...but one store is broken
    before = stats(generated / "generated")
    result = run_cli("generate", "--strict", root=generated)
    assert result.returncode == 1
    assert "config/merchants/berlin-bikes.yaml:" in result.stderr
    assert stats(generated / "generated") == before


def test_without_strict_the_valid_stores_are_written_and_the_broken_one_reported(generated: Path):
    out = generated / "generated"
    rename_store(generated, "demo-store", "Demo Store", "Demo Shop")
    break_store(generated, "berlin-bikes")
    before = stats(out)
    result = run_cli("generate", root=generated)
    assert result.returncode == 1
    assert "config/merchants/berlin-bikes.yaml:6:11: timezone:" in result.stderr
    assert "2 store(s) valid, 1 invalid" in result.stdout
    assert "DISPLAY_NAME = 'Demo Shop'" in (out / "dags/ecomm_pipelines/demo_store/settings.py").read_text()
    after = stats(out)
    berlin = {p: s for p, s in before.items() if "berlin" in p}
    assert {p: after[p] for p in berlin} == berlin
    assert read_manifest(out) == json.loads(before[MANIFEST][2])


def test_a_file_ecomm_does_not_own_is_never_overwritten(fresh: Path):
    mine = fresh / "generated" / "dags" / "ecomm_demo_store.py"
    write(mine, "# my own hand-written DAG\n")
    result = run_cli("generate", root=fresh)
    assert result.returncode == 1
    assert "generated/dags/ecomm_demo_store.py exists but was not written by ecomm" in result.stderr
    assert mine.read_text(encoding="utf-8") == "# my own hand-written DAG\n"
    assert not (fresh / "generated" / MANIFEST).exists(), "nothing at all is written on a conflict"
    check = run_cli("generate", "--check", root=fresh)
    assert check.returncode == 1 and "would conflict generated/dags/ecomm_demo_store.py" in check.stdout


def test_shared_files_stay_while_an_invalid_store_still_needs_them(generated: Path):
    out = generated / "generated"
    for slug in ("demo-store", "berlin-bikes"):
        break_store(generated, slug)
    edit(generated / "config" / "merchants" / "brooklyn-coffee.yaml", "timezone: America/New_York",
         "timezone: Mars/Olympus")
    project = load_project(generated)
    assert not project.merchants
    changes = plan_changes(out, build_plan([]), None, keep=project.invalid)
    assert not [c for c in changes if c.action == "delete"]
    write_changes(out, [], changes)
    assert (out / "dags" / "ecomm_pipelines" / "runtime.py").exists()
