"""The committed generated/ is code that its tools accept: ruff and ast for Python, Airflow's DagBag for the
DAGs (ids, tasks, schedule, time zone, tags, retries, owner from config), and `dbt parse` for every project."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.config import load_project
from tests.helpers import REPO_ROOT, copy_project

GENERATED = REPO_ROOT / "generated"
PYTHON_FILES = sorted(GENERATED.rglob("*.py"))
DAG_FILES = sorted((GENERATED / "dags").glob("ecomm_*.py"))
DBT_PROJECTS = sorted(p.parent for p in (GENERATED / "data" / "dbt").glob("*/dbt_project.yml"))
MERCHANTS = load_project(REPO_ROOT).merchants
BIN = Path(sys.executable).parent
LIGHT_DAG_IMPORTS = ("__future__", "datetime", "pendulum", "airflow", "ecomm_pipelines.runtime")


def _ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(GENERATED).as_posix() for p in paths]


def _module_level_imports(tree: ast.Module) -> list[str]:
    """Modules imported when the file is imported (not inside functions or classes), `from a import b` → `a.b`."""
    found, pending = [], list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending += [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)]
    return found


def test_the_repo_has_generated_code_for_the_three_stores():
    assert [p.name for p in DAG_FILES] == ["ecomm_berlin_bikes.py", "ecomm_brooklyn_coffee.py", "ecomm_demo_store.py"]
    assert [p.name for p in DBT_PROJECTS] == ["berlin_bikes", "brooklyn_coffee", "demo_store"]


def test_ruff_default_rules_pass_on_all_generated_python():
    command = [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", *map(str, PYTHON_FILES)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", PYTHON_FILES, ids=_ids(PYTHON_FILES))
def test_parses_and_never_imports_the_generator(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] == "generator"]


@pytest.mark.parametrize("path", DAG_FILES, ids=_ids(DAG_FILES))
def test_dag_files_import_nothing_heavy_at_module_level(path: Path):
    imports = _module_level_imports(ast.parse(path.read_text(encoding="utf-8")))
    assert "ecomm_pipelines.runtime" in imports
    heavy = [name for name in imports if not any(name == ok or name.startswith(ok + ".") for ok in LIGHT_DAG_IMPORTS)]
    assert heavy == []


def test_what_the_dags_import_at_parse_time_is_standard_library_only():
    """A DAG imports ecomm_pipelines.runtime (and so the package): they must stay light as well."""
    for name in ("runtime.py", "__init__.py"):
        imports = _module_level_imports(ast.parse((GENERATED / "dags" / "ecomm_pipelines" / name).read_text()))
        assert [m for m in imports if m.split(".")[0] not in sys.stdlib_module_names] == [], name


DAGBAG_SCRIPT = r"""
import json, sys
dags = sys.argv[1]
sys.path.insert(0, dags)  # Airflow puts the DAGs folder on sys.path; outside Airflow we do it ourselves
try:
    from airflow.dag_processing.dagbag import DagBag  # Airflow 3
except ImportError:
    from airflow.models.dagbag import DagBag  # Airflow 2
bag = DagBag(dag_folder=dags)
report = {"errors": {path: str(err) for path, err in bag.import_errors.items()}, "dags": {},
          "heavy": sorted(m for m in ("dlt", "dbt", "duckdb", "generator") if m in sys.modules)}
for dag_id, dag in bag.dags.items():
    schedule = getattr(dag, "schedule", None) or getattr(dag, "schedule_interval", None)
    report["dags"][dag_id] = {
        "edges": sorted([t.task_id, d] for t in dag.tasks for d in t.downstream_task_ids),
        "tasks": sorted(t.task_id for t in dag.tasks),
        "timezone": getattr(dag.timezone, "name", str(dag.timezone)),
        "schedule": str(schedule),
        "tags": sorted(dag.tags),
        "retries": sorted({t.retries for t in dag.tasks}),
        "owners": sorted({t.owner for t in dag.tasks}),
        "catchup": dag.catchup,
    }
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory, airflow_env: dict[str, str]) -> dict:
    """Load a copy of generated/dags into Airflow's DagBag, in a subprocess (Airflow's global state stays there)."""
    root = copy_project(tmp_path_factory.mktemp("dagbag"))
    result = subprocess.run([sys.executable, "-c", DAGBAG_SCRIPT, str(root / "generated" / "dags")],
                            env={**os.environ, **airflow_env, "PYTHONDONTWRITEBYTECODE": "1"},
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-5000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_dagbag_has_no_import_errors_and_exactly_the_three_dags(dagbag: dict):
    assert dagbag["errors"] == {}
    assert sorted(dagbag["dags"]) == sorted(f"ecomm_{m.ident}" for m in MERCHANTS.values())
    assert dagbag["heavy"] == [], "parsing the DAGs imported dlt, dbt, duckdb or the generator"


@pytest.mark.parametrize("slug", sorted(MERCHANTS))
def test_dag_matches_the_store_config(dagbag: dict, slug: str):
    merchant = MERCHANTS[slug]
    dag = dagbag["dags"][f"ecomm_{merchant.ident}"]
    loads = [f"load_{name}" for name, _ in merchant.sources]
    assert "load_shopify" in loads and "load_ecb" in loads  # every store sells on Shopify and needs FX rates
    assert dag["tasks"] == sorted(["dbt_build", *loads])
    assert sorted(dag["edges"]) == [[load, "dbt_build"] for load in sorted(loads)]
    assert dag["timezone"] == merchant.timezone
    assert dag["schedule"] == merchant.schedule
    assert f"store:{slug}" in dag["tags"] and "ecomm" in dag["tags"] and "shopify" in dag["tags"]
    assert set(merchant.tags) <= set(dag["tags"])
    assert dag["retries"] == [merchant.retries]
    assert dag["owners"] == [merchant.owner]
    assert dag["catchup"] is False


def test_dag_values_really_come_from_config():
    """Guard against a vacuous comparison: the three stores differ in what the DAG test checks."""
    assert len({m.schedule for m in MERCHANTS.values()}) == 3
    assert len({m.timezone for m in MERCHANTS.values()}) == 2


@pytest.fixture(scope="module")
def dbt_parse(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """`dbt parse --target prod` of every generated project (copied to tmp), the three in parallel."""
    base = copy_project(tmp_path_factory.mktemp("dbt_parse"))
    running = {}
    for project in DBT_PROJECTS:
        work = base / "work" / project.name
        folder = base / "generated" / "data" / "dbt" / project.name
        env = {**os.environ, "DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs"),
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "ECOMM_DUCKDB_PATH": str(work / "local.duckdb")}
        running[project.name] = subprocess.Popen(
            [str(BIN / "dbt"), "parse", "--target", "prod", "--project-dir", str(folder),
             "--profiles-dir", str(folder)],
            env=env, cwd=base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results = {}
    for name, process in running.items():
        out, _ = process.communicate(timeout=300)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, out, "")
    return results


@pytest.mark.parametrize("store", [p.name for p in DBT_PROJECTS])
def test_dbt_parse_prod_succeeds(dbt_parse: dict, store: str):
    result = dbt_parse[store]
    assert result.returncode == 0, result.stdout[-5000:]
    assert "Registered adapter: bigquery" in result.stdout
