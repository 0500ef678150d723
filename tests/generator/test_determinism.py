"""Same config, same bytes: whatever the working directory, hash seed, locale or time zone of the run.
Plus the hygiene every generated file shares: final newline, \\n only, no trailing blanks, the header."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.config import load_project
from generator.plan import build_plan
from tests.helpers import REPO_ROOT, committed_generated, copy_project, read_tree, run_cli

RUNS = {
    # name: (cwd, --root, environment)
    "from-slash": (lambda root: Path("/"), lambda root: root,
                   {"PYTHONHASHSEED": "0", "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}),
    "from-the-root": (lambda root: root, lambda root: Path("."),
                      {"PYTHONHASHSEED": "12345", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "Pacific/Kiritimati"}),
}
COMMENT = {".py": "#", ".yml": "#", ".sql": "--", ".airflowignore": "#"}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """generated/ as written by two subprocess runs into fresh roots under different conditions."""
    trees = {}
    for name, (cwd, root_arg, env) in RUNS.items():
        root = copy_project(tmp_path_factory.mktemp(name), generated=False)
        result = run_cli("generate", root=root_arg(root), cwd=cwd(root), env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        trees[name] = read_tree(root / "generated")
    return trees


def test_two_runs_under_different_conditions_are_byte_identical(outputs):
    first, second = outputs.values()
    assert sorted(first) == sorted(second)
    assert [path for path in first if first[path] != second[path]] == []


def test_runs_equal_the_committed_generated_folder(outputs):
    committed = committed_generated()
    for tree in outputs.values():
        assert sorted(tree) == sorted(committed)
        assert [path for path in tree if tree[path] != committed[path]] == []


def test_plan_does_not_depend_on_the_order_of_its_input():
    merchants = list(load_project(REPO_ROOT).merchants.values())
    assert build_plan(merchants) == build_plan(reversed(merchants))
    assert build_plan(merchants) == build_plan(merchants)


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name if name.startswith(".") else "." + name.rsplit(".", 1)[-1]


def test_every_file_ends_with_a_newline_uses_lf_and_has_no_trailing_blanks(outputs):
    problems = []
    for path, data in next(iter(outputs.values())).items():
        text = data.decode("utf-8")
        if not text.endswith("\n") or text.endswith("\n\n"):
            problems.append(f"{path}: must end with exactly one newline")
        if "\r" in text:
            problems.append(f"{path}: contains \\r")
        problems += [f"{path}:{n}: trailing whitespace" for n, line in enumerate(text.split("\n"), 1)
                     if line != line.rstrip()]
    assert problems == []


def test_every_file_starts_with_the_do_not_edit_header_naming_its_origin(outputs):
    tree = next(iter(outputs.values()))
    owners = json.loads(tree[".ecomm-manifest.json"])
    assert sorted(owners) == sorted(set(tree) - {".ecomm-manifest.json"})
    problems = []
    for path, owner in owners.items():
        origin = f"config/merchants/{owner}.yaml" if owner else "the ecomm generator's templates"
        if owner:
            assert (REPO_ROOT / origin).is_file()
        if path.endswith(".csv"):  # dbt seeds cannot hold a comment; their _seeds.yml says they are generated
            seeds_yml = tree[path.rsplit("/", 1)[0] + "/_seeds.yml"].decode("utf-8")
            assert seeds_yml.startswith(f"# Generated from {origin}") and "do not edit them" in seeds_yml
            continue
        header = f"{COMMENT[_suffix(path)]} Generated from {origin} by `ecomm generate` — do not edit."
        first = tree[path].decode("utf-8").split("\n", 1)[0]
        if first != header:
            problems.append(f"{path}: {first!r}")
    assert problems == []

