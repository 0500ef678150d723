"""Every invalid config in the table yields its exact, located issues, and only its own store is rejected."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from generator.config import load_project
from generator.errors import ConfigIssue

from .cases import CASES, SIBLING, SIBLING_YAML, STORE, Case, Expect, build_tree


def _matches(issue: ConfigIssue, want: Expect) -> bool:
    return (issue.file == want.file
            and (want.line is None or issue.line == want.line)
            and (want.column is None or issue.column == want.column)
            and (want.key_path is None or issue.key_path == want.key_path)
            and all(fragment in issue.message for fragment in want.message)
            and all(fragment in issue.hint for fragment in want.hint))


def _show(issues: tuple[ConfigIssue, ...]) -> str:
    return "\n".join(f"  {issue.key_path!r} {issue}" for issue in issues) or "  (no issues)"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_invalid_config(tmp_path: Path, case: Case) -> None:
    root = build_tree(tmp_path, {**case.files, SIBLING: SIBLING_YAML})
    project = load_project(root)

    for want in case.expect:
        assert any(_matches(issue, want) for issue in project.issues), f"missing {want}; got:\n{_show(project.issues)}"
    for slug in case.invalid:
        assert slug in project.invalid, f"{slug} should be invalid; got:\n{_show(project.issues)}"
        assert slug not in project.merchants
    if case.agency_broken:
        assert project.merchants == {}, "a broken config/agency.yaml must stop every store"
    else:  # one broken store does not stop the others
        assert "sibling-shop" in project.merchants, f"the valid sibling was rejected:\n{_show(project.issues)}"
        assert "sibling-shop" not in project.invalid
        assert all(issue.file != SIBLING for issue in project.issues)
    assert set(project.invalid) | set(project.merchants) >= {Path(p).stem for p in case.files if "merchants/" in p}
    for issue in project.issues:
        assert issue.line >= 1 and issue.column >= 1 and issue.message
        assert (root / issue.file).is_file(), issue
        if case.secret is not None:
            assert case.secret not in str(issue) and case.secret not in repr(issue.as_dict()), issue


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 45


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    """The multi-problem case yields one issue per problem, in its store file, nothing hidden behind the first."""
    case = next(c for c in CASES if c.id == "many_schema_problems")
    project = load_project(build_tree(tmp_path, case.files))
    store_issues = [issue for issue in project.issues if issue.file == STORE]
    assert len(case.expect) >= 4
    for want in case.expect:
        assert sum(_matches(issue, want) for issue in store_issues) == 1, f"{want}:\n{_show(project.issues)}"
    assert len(store_issues) == len(case.expect), _show(project.issues)


@pytest.mark.timeout(5)
def test_ten_megabyte_file_is_rejected_fast(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "ten_megabyte_file")
    root = build_tree(tmp_path, case.files)
    assert (root / STORE).stat().st_size >= 10 * 1024 * 1024
    started = time.perf_counter()
    project = load_project(root)
    assert time.perf_counter() - started < 1.0
    [issue] = [issue for issue in project.issues if issue.file == STORE]
    assert (issue.line, issue.column) == (1, 1) and "MB" in issue.message


@pytest.mark.timeout(5)
def test_alias_bomb_is_rejected_fast(tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "billion_laughs")
    started = time.perf_counter()
    project = load_project(build_tree(tmp_path, case.files))
    assert time.perf_counter() - started < 1.0
    assert project.invalid == ("demo-store",)
