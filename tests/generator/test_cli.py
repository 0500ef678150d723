"""The `ecomm` command line: exit codes, JSON output, error format, tracebacks only with --debug, `schema`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.cli import main
from generator.config.schema import SCHEMA_DIR
from generator.errors import UserError
from tests.helpers import copy_project, read_tree, run_cli, write

BERLIN = "config/merchants/berlin-bikes.yaml"
ISSUE_KEYS = {"file", "line", "column", "key_path", "message", "hint"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.fixture
def broken(project: Path) -> Path:
    """berlin-bikes has an unknown time zone (line 6, value at column 11)."""
    path = project / BERLIN
    write(path, path.read_text(encoding="utf-8").replace("timezone: Europe/Berlin", "timezone: Mars/Olympus"))
    return project


def test_validate_exits_0_on_the_example_project(project: Path):
    result = run_cli("validate", root=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "berlin-bikes", "ok", "brooklyn-coffee", "ok", "demo-store"]
    assert result.stderr == ""


def test_root_is_found_from_a_sub_folder_of_the_project(project: Path):
    result = run_cli("validate", "--json", cwd=project / "config" / "merchants")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] == ["berlin-bikes", "brooklyn-coffee", "demo-store"]


def test_global_root_before_the_command_is_honoured(project: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("--root", project, "validate", "--json", cwd=elsewhere)
    assert json.loads(result.stdout)["valid"] == ["berlin-bikes", "brooklyn-coffee", "demo-store"]


def test_invalid_config_exits_1_without_a_traceback(broken: Path):
    for command in (("validate",), ("validate", "--json"), ("generate",), ("generate", "--check")):
        result = run_cli(*command, root=broken)
        assert result.returncode == 1, command
        assert "Traceback" not in result.stderr + result.stdout, command


@pytest.mark.parametrize("args", [
    ("frobnicate",),
    (),
    ("generate", "--bogus"),
    ("validate", "--check"),
    ("schema", "nonsense"),
    ("generate", "--merchant"),
], ids=["unknown-command", "no-command", "unknown-flag", "flag-of-another-command", "bad-choice", "missing-value"])
def test_usage_errors_exit_2(project: Path, args: tuple[str, ...]):
    result = run_cli(*args, root=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "usage: ecomm" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_json_reports_valid_invalid_and_located_issues(broken: Path):
    result = run_cli("validate", "--json", root=broken)
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert set(body) == {"valid", "invalid", "issues"}
    assert body["valid"] == ["brooklyn-coffee", "demo-store"]
    assert body["invalid"] == ["berlin-bikes"]
    assert len(body["issues"]) == 1
    issue = body["issues"][0]
    assert set(issue) == ISSUE_KEYS
    assert issue["file"] == BERLIN and issue["key_path"] == "timezone"
    assert (issue["line"], issue["column"]) == (6, 11)
    assert (broken / BERLIN).read_text(encoding="utf-8").splitlines()[5][10:] == "Mars/Olympus"
    assert "Mars/Olympus" in issue["message"] and issue["hint"]
    assert all(isinstance(issue[k], int) for k in ("line", "column"))


def test_validate_json_when_everything_is_valid(project: Path):
    body = json.loads(run_cli("validate", "--json", root=project).stdout)
    assert body == {"valid": ["berlin-bikes", "brooklyn-coffee", "demo-store"], "invalid": [], "issues": []}


def test_generate_json_lists_every_change(tmp_path: Path):
    root = copy_project(tmp_path / "fresh", generated=False)
    checked = json.loads(run_cli("generate", "--check", "--json", root=root).stdout)
    assert checked["written"] is False and not (root / "generated").exists()

    result = run_cli("generate", "--json", root=root)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) == {"valid", "invalid", "issues", "written", "changes"}
    assert body["written"] is True
    assert body["changes"] == checked["changes"]
    assert {c["action"] for c in body["changes"]} == {"create"}
    assert all(set(c) == {"path", "action", "store"} for c in body["changes"])
    written = read_tree(root / "generated")
    assert sorted(c["path"] for c in body["changes"]) == sorted(set(written) - {".ecomm-manifest.json"})
    assert {c["store"] for c in body["changes"] if c["path"] == "dags/ecomm_demo_store.py"} == {"demo-store"}

    again = json.loads(run_cli("generate", "--json", root=root).stdout)
    assert again["written"] is False and {c["action"] for c in again["changes"]} == {"unchanged"}


def test_issue_lines_read_file_line_col_key_message_hint(broken: Path):
    result = run_cli("validate", root=broken)
    line = result.stderr.splitlines()[0]
    assert re.fullmatch(r"config/merchants/berlin-bikes\.yaml:6:11: timezone: `Mars/Olympus` is not one of the "
                        r"allowed values — \S.*", line), line
    assert result.stderr.splitlines()[1] == "1 problem(s) found."
    assert "invalid berlin-bikes" in result.stdout


def test_unknown_merchant_is_a_clear_error(project: Path):
    before = read_tree(project / "generated")
    result = run_cli("generate", "--merchant", "unknown-store", root=project)
    assert result.returncode == 1
    assert "no store named unknown-store" in result.stderr
    assert "known: berlin-bikes, brooklyn-coffee, demo-store" in result.stderr
    assert "Traceback" not in result.stderr
    assert read_tree(project / "generated") == before


def test_internal_error_is_one_line_and_debug_shows_the_traceback(tmp_path: Path):
    root = copy_project(tmp_path / "project", generated=False)
    write(root / "generated", "a file where the generated/ folder belongs\n")
    plain = run_cli("generate", root=root)
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr
    assert "internal error: NotADirectoryError" in plain.stderr and "--debug" in plain.stderr

    debug = run_cli("generate", "--debug", root=root)
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr
    assert "NotADirectoryError" in debug.stderr


def test_internal_error_in_process(project: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    def broken_plan(merchants):
        raise RuntimeError("boom")

    monkeypatch.setattr("generator.cli.build_plan", broken_plan)
    assert main(["generate", "--root", str(project)]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err
    with pytest.raises(RuntimeError, match="boom"):
        main(["generate", "--root", str(project), "--debug"])


def test_user_error_with_debug_raises(project: Path):
    with pytest.raises(UserError, match="no store named nope"):
        main(["generate", "--root", str(project), "--merchant", "nope", "--debug"])


@pytest.mark.parametrize("name", ["merchant", "agency"])
def test_schema_prints_an_existing_path(project: Path, name: str):
    args = ("schema", name) if name != "merchant" else ("schema",)
    result = run_cli(*args, root=project)
    assert result.returncode == 0
    path = Path(result.stdout.strip())
    assert path.is_file() and path.name == f"{name}.schema.json"
    assert path == SCHEMA_DIR / f"{name}.schema.json"


def test_schema_show_prints_the_schema_as_json(project: Path):
    result = run_cli("schema", "agency", "--show", root=project)
    assert result.returncode == 0
    body = json.loads(result.stdout)
    assert body == json.loads((SCHEMA_DIR / "agency.schema.json").read_text(encoding="utf-8"))
    assert body["$schema"].startswith("https://json-schema.org/")
