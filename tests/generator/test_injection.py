"""Hostile text in every free-text field a user controls reaches the generated code as data, never as code.

One sandbox store carries quotes, backslashes, newlines, Jinja and dbt-template syntax, SQL, HTML, bidi and
zero-width characters and control characters in display_name, description, owner and its alert e-mail. It is
generated once; then Python must parse, lint and evaluate back to the exact strings, and dbt must compile and
run its dim_store on DuckDB and return the exact display name.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from generator.config import load_project
from generator.plan import build_plan
from tests.helpers import copy_project, run_cli, write

SLUG, IDENT = "demo-store", "demo_store"
PIECES = [
    "It's", '"q"', "'''", "\\", "C:\\new\\table", "\\n", "\\x41", "\\N{BULLET}", "{{ 7*7 }}", "{% raw %}",
    "{# c #}", "[[ x ]]", "[% if %]", "[# c #]", "'); drop table x; --", "</script>", "☕🚀",
    "\u202eRTL\u202c", "zero\u200bwidth", "tab\there", "${HOME}", "`id`", "%s {0}",
]
DISPLAY = " ".join(PIECES) + " cr\r\nline2 \ufeff\u2028end\\"
DESCRIPTION = "\n".join([*PIECES, '"""', 'say """hi"""', "# heading", "```sql```", "\x1b[31mred\x1b[0m", "\\"])
OWNER = "O'Brien \"ops\" ''' \"\"\" \\ {{ 7*7 }} [[ x ]] \t☕ \u202e"
EMAIL = "o'brien\"{{7*7}}[[x]]\\</script>@example.com"
BIN = Path(sys.executable).parent


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar for `value`: JSON escapes, plus the characters YAML treats as line breaks."""
    text = json.dumps(value, ensure_ascii=False)
    for char in ("\u2028", "\u2029", "\x85", "\ufeff"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def hostile_store(root: Path, display_name: str = DISPLAY) -> None:
    """Rewrite the sandbox store demo-store with hostile values in every free-text field."""
    path = root / "config" / "merchants" / f"{SLUG}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if not line.startswith(("display_name:", "description:"))]
    assert "sandbox: true" in lines
    lines += [f"display_name: {yaml_string(display_name)}", f"description: {yaml_string(DESCRIPTION)}",
              f"owner: {yaml_string(OWNER)}", "alerts:", f"  email: [{yaml_string(EMAIL)}]"]
    write(path, "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("hostile"), generated=False)
    hostile_store(root)
    merchant = load_project(root).merchants[SLUG]  # the YAML says exactly what we meant
    assert (merchant.display_name, merchant.description, merchant.owner, merchant.alerts.email) == (
        DISPLAY, DESCRIPTION, OWNER, (EMAIL,))
    result = run_cli("generate", root=root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture(scope="module")
def dags(root: Path) -> Path:
    return root / "generated" / "dags"


def test_field_lengths_stay_within_the_schema():
    assert len(DISPLAY) <= 200 and len(DESCRIPTION) <= 2000 and len(OWNER) <= 100


def test_every_generated_python_file_parses_and_passes_ruff(root: Path):
    files = sorted((root / "generated").rglob("*.py"))
    assert len(files) == 19  # 3 DAGs, 3 stores x (__init__, settings, shopify, ecb), demo's ad sources, 2 shared
    for path in files:
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", *map(str, files)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_imported_settings_hold_the_exact_display_name(dags: Path):
    script = ("import json, sys; sys.path.insert(0, sys.argv[1]);"
              f"import ecomm_pipelines.{IDENT} as package; from ecomm_pipelines.{IDENT} import settings;"
              "print(json.dumps([settings.DISPLAY_NAME, settings.__doc__, package.__doc__]))")
    result = subprocess.run([sys.executable, "-c", script, str(dags)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, check=False)
    assert result.returncode == 0, result.stderr
    display_name, settings_doc, package_doc = json.loads(result.stdout)
    assert display_name == DISPLAY
    assert f"`{SLUG}`" in settings_doc and f"`{SLUG}`" in package_doc


def test_module_docstrings_name_the_store_by_its_slug_only(dags: Path):
    """Free text never goes into a docstring, where no filter could make every string safe."""
    paths = [dags / f"ecomm_{IDENT}.py", *(dags / "ecomm_pipelines" / IDENT).glob("*.py")]
    for path in paths:
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
        assert f"`{SLUG}`" in docstring and DISPLAY not in docstring, path


def _dag_call(tree: ast.Module) -> ast.Call:
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "DAG"]
    assert len(calls) == 1
    return calls[0]


def test_dag_description_doc_md_and_default_args_evaluate_to_the_exact_values(dags: Path):
    tree = ast.parse((dags / f"ecomm_{IDENT}.py").read_text(encoding="utf-8"))
    kwargs = {kw.arg: kw.value for kw in _dag_call(tree).keywords}
    description = ast.literal_eval(kwargs["description"])
    doc_md = ast.literal_eval(kwargs["doc_md"])
    assert description == f"{DISPLAY}: load ecb, google_ads, meta_ads, shopify, then build the dbt marts"
    assert doc_md.startswith(f"### {DISPLAY}\n\n{DESCRIPTION}\n\n- store: `{SLUG}`")
    assert "49" not in description + doc_md
    [default_args] = [node.value for node in tree.body
                      if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "default_args"]
    values = {ast.literal_eval(k): v for k, v in zip(default_args.keys, default_args.values, strict=True)}
    assert ast.literal_eval(values["owner"]) == OWNER
    assert ast.literal_eval(values["email"]) == [EMAIL]


@pytest.fixture(scope="module")
def dbt_run(root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`dbt compile` then `dbt run` of dim_store on DuckDB; what dbt compiled and what landed in the table."""
    project = root / "generated" / "data" / "dbt" / IDENT
    work = tmp_path_factory.mktemp("dbt")
    env = {**os.environ, "ECOMM_DUCKDB_PATH": str(work / "x.duckdb"), "DBT_TARGET_PATH": str(work / "target"),
           "DBT_LOG_PATH": str(work / "logs"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    common = ["--select", "dim_store", "--target", "local",
              "--project-dir", str(project), "--profiles-dir", str(project)]
    for command in ("compile", "run"):
        result = subprocess.run([str(BIN / "dbt"), command, *common], env=env, cwd=work, capture_output=True,
                                text=True, timeout=300, check=False)
        assert result.returncode == 0, f"dbt {command}:\n{result.stdout[-5000:]}{result.stderr[-2000:]}"
    prefix = load_project(root).merchants[SLUG].warehouse.dataset_prefix
    with duckdb.connect(str(work / "x.duckdb"), read_only=True) as con:
        rows = con.execute(f"select merchant_id, store_name from {prefix}_marts.dim_store").fetchall()
    compiled = work / "target" / "compiled" / f"ecomm_{IDENT}" / "models" / "marts" / "dim_store.sql"
    return {"rows": rows, "compiled": compiled.read_text(encoding="utf-8"),
            "source": (project / "models" / "marts" / "dim_store.sql").read_text(encoding="utf-8")}


def test_dbt_stores_the_exact_display_name(dbt_run: dict):
    assert dbt_run["rows"] == [(SLUG, DISPLAY)]
    assert "49" not in dbt_run["rows"][0][1]


def test_dbt_evaluated_no_template_syntax_from_the_config(dbt_run: dict):
    """dim_store has no Jinja of its own, so what dbt compiled must be the generated SQL unchanged."""
    assert dbt_run["compiled"].rstrip("\n") == dbt_run["source"].rstrip("\n")


def test_triple_double_quotes_in_display_name_still_give_valid_python(tmp_path: Path):
    root = copy_project(tmp_path, generated=False)
    hostile_store(root, display_name='Say """hi"""')
    merchant = load_project(root).merchants[SLUG]
    assert merchant.display_name == 'Say """hi"""'
    broken = []
    for planned in build_plan([merchant]):
        if planned.path.endswith(".py"):
            try:
                ast.parse(planned.content)
            except SyntaxError:
                broken.append(planned.path)
    assert broken == []
