"""Property tests: whatever the input, the loader returns or raises ConfigError, and load_project never raises."""

from __future__ import annotations

import string
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.config import load_project
from generator.config.yaml_loader import load_yaml
from generator.errors import ConfigError, ConfigIssue

from .cases import AGENCY, AGENCY_YAML, BASE, SIBLING, SIBLING_YAML, STORE, build_tree

FUZZ = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
YAML_ALPHABET = ":-[]{}&*!|>'\"#%@\t\n ,?~." + string.ascii_letters + string.digits


def _load_or_config_error(raw: bytes) -> None:
    try:
        doc = load_yaml(raw, "fuzz.yaml")
    except ConfigError as err:
        assert err.issues, "a ConfigError must carry at least one issue"
        for issue in err.issues:
            _check_issue(issue)
            assert issue.file == "fuzz.yaml"
    else:
        for line, column in [*doc.positions.values(), *doc.key_positions.values()]:
            assert line >= 1 and column >= 1


def _check_issue(issue: ConfigIssue, root: Path | None = None) -> None:
    assert isinstance(issue.line, int) and issue.line >= 1, issue
    assert isinstance(issue.column, int) and issue.column >= 1, issue
    assert issue.message.strip(), issue
    assert str(issue).startswith(f"{issue.file}:{issue.line}:{issue.column}:")
    if root is not None:
        assert (root / issue.file).is_file(), f"{issue.file} is not a file of the tree"


def _project_never_raises(files: dict[str, str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = build_tree(Path(tmp), {AGENCY: AGENCY_YAML, SIBLING: SIBLING_YAML, **files})
        project = load_project(root)  # any exception fails the property
        for issue in project.issues:
            _check_issue(issue, root)
        assert set(project.invalid).isdisjoint(project.merchants)
        assert set(project.invalid) | set(project.merchants) == {"demo-store", "sibling-shop"}
        if "sibling-shop" in project.invalid:  # only a clash with the fuzzed store may reject the valid sibling
            sibling_issues = [issue for issue in project.issues if issue.file == SIBLING]
            assert sibling_issues and all("is also used by demo-store" in i.message for i in sibling_issues)
        if "demo-store" in project.invalid:
            assert any(issue.file == STORE for issue in project.issues), "an invalid store needs an issue"


# (a) arbitrary bytes --------------------------------------------------------------------------------------

@FUZZ
@given(st.binary(max_size=400))
@example(b"")
@example(b"\x89PNG\r\n\x1a\n")
@example(b"\xef\xbb\xbf")
@example(b"\x00")
def test_arbitrary_bytes(raw: bytes) -> None:
    _load_or_config_error(raw)


# (b) YAML-ish text -----------------------------------------------------------------------------------------

@FUZZ
@given(st.text(alphabet=YAML_ALPHABET, max_size=200))
@example("a: &x 1\nb: *x\n")
@example("? [a]\n: b\n")
@example("!!binary aGk=\n")
@example("%TAG ! tag:x,2000:\n--- !a b\n")
@example("a:\n\t- b\n")
@example("[" * 100)
def test_yamlish_text(text: str) -> None:
    _load_or_config_error(text.encode("utf-8"))


# (c) mutations of the valid demo store ---------------------------------------------------------------------

BASE_LINES = BASE.splitlines(keepends=True)


@st.composite
def mutated_store(draw: st.DrawFn) -> str:
    text = BASE
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "swap", "duplicate"]))
        if kind in ("delete", "insert"):
            at = draw(st.integers(0, max(len(text) - 1, 0)))
            if kind == "delete":
                text = text[:at] + text[at + 1:]
            else:
                text = text[:at] + draw(st.sampled_from(YAML_ALPHABET + "\x00\x07é\u2028\ufeff")) + text[at:]
        else:
            lines = text.splitlines(keepends=True) or ["\n"]
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if kind == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines.insert(j, lines[i])
            text = "".join(lines)
    return text


@FUZZ
@given(mutated_store())
@example(BASE.replace("\n", "", 1))
@example(BASE.replace("  shopify:", "shopify:"))
@example(BASE.replace("[demo]", "[demo"))
def test_mutated_store_never_breaks_load_project(text: str) -> None:
    _project_never_raises({STORE: text})


# (d) structured: JSON-like data dumped as YAML -------------------------------------------------------------

BASE_DATA: dict[str, Any] = yaml.safe_load(BASE)
KNOWN_KEYS = ["schema_version", "merchant", "display_name", "timezone", "reporting_currency", "start_date",
              "schedule", "sandbox", "owner", "retries", "tags", "warehouse", "sources", "alerts", "shopify",
              "shop", "access_token", "api_version", "resources", "bigquery", "project", "location",
              "dataset_prefix", "duckdb_path", "email", "on_failure", "on_retry"]
json_scalars = (st.none() | st.booleans() | st.integers(-10**6, 10**6)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
                | st.sampled_from(["demo-store", "EUR", "Europe/Berlin", "2026-01-01", "0 6 * * *", "secret:x",
                                  "orders", "sibling-shop"]))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=10),
                                                                 inner, max_size=4),
    max_leaves=12,
)
key_paths = st.lists(st.sampled_from(KNOWN_KEYS), min_size=1, max_size=3)


def _set(data: dict[str, Any], path: list[str], value: Any) -> None:
    node = data
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value


@st.composite
def structured_store(draw: st.DrawFn) -> Any:
    if draw(st.booleans()):  # anything at all
        return draw(json_values)
    data = yaml.safe_load(BASE)  # the valid store with a few values replaced, so later stages run too
    for path, value in draw(st.lists(st.tuples(key_paths, json_values), min_size=1, max_size=3)):
        _set(data, path, value)
    return data


@FUZZ
@given(structured_store())
@example({**BASE_DATA, "merchant": "sibling-shop"})
@example({**BASE_DATA, "sources": {"shopify": {**BASE_DATA["sources"]["shopify"], "shop": "sibling-shop"}}})
@example({**BASE_DATA, "warehouse": None})
@example({**BASE_DATA, "sandbox": False, "warehouse": {"bigquery": None}})
@example([BASE_DATA])
def test_structured_store_never_breaks_load_project(data: Any) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    _project_never_raises({STORE: text})


def test_structured_base_is_valid() -> None:
    """The structured property starts from a valid document (so its mutations probe every stage)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = build_tree(Path(tmp), {AGENCY: AGENCY_YAML, SIBLING: SIBLING_YAML,
                                      STORE: yaml.safe_dump(BASE_DATA, sort_keys=False)})
        project = load_project(root)
    assert project.issues == () and sorted(project.merchants) == ["demo-store", "sibling-shop"]
