"""The demo store's generated DAG, loaded by Airflow's own DagBag and run with `dag.test()`,
end to end against the Shopify emulator and DuckDB (ECOMM_TARGET=local)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import oracle
from tests.pipeline.conftest import DAGS, MARTS, TIMEZONE, Harness, make_harness

SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])  # Airflow puts the DAGs folder (bundle) on sys.path; so do we
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2.x
        from airflow.models.dagbag import DagBag
    bag = DagBag(dag_folder=sys.argv[1])  # examples are off through AIRFLOW__CORE__LOAD_EXAMPLES
    assert not bag.import_errors, bag.import_errors
    dag = bag.dags["ecomm_demo_store"]
    if "--no-retries" in sys.argv:  # dag.test() would wait out each retry delay
        for task in dag.tasks:
            task.retries = 0
    run = dag.test()
    print("DAGRUN_STATE", run.state)
    print("TASKS", sorted((ti.task_id, str(ti.state)) for ti in run.get_task_instances()))
""")


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS), "AIRFLOW__CORE__UNIT_TEST_MODE": "True"}
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return env


@pytest.fixture
def shop(tmp_path: Path, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    yield from make_harness(tmp_path, runtime, monkeypatch, orders=150, seed=5)


@pytest.mark.timeout(600)
def test_dag_test_runs_green_end_to_end(shop: Harness, airflow_home: dict[str, str]) -> None:
    env = {**airflow_home, **shop.env()}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(DAGS)], env=env, capture_output=True, text=True,
                          timeout=540)
    assert "DAGRUN_STATE success" in done.stdout, done.stdout[-3000:] + done.stderr[-5000:]
    for task in ("dbt_build", "load_ecb", "load_google_ads", "load_meta_ads", "load_shopify"):
        assert f"('{task}', 'success')" in done.stdout, done.stdout[-3000:]
    # The run really loaded and built: the marts equal the oracle's totals.
    expected = oracle.totals(oracle.daily_sales(shop.emulator.world.orders, TIMEZONE))
    assert shop.scalar(f"select sum(net_sales) from {MARTS}.daily_sales") == expected["net_sales"]
    assert shop.scalar(f"select sum(orders) from {MARTS}.daily_sales") == expected["orders"]


@pytest.mark.timeout(600)
def test_a_failing_source_fails_its_task_only_and_holds_back_the_marts(shop: Harness,
                                                                       airflow_home: dict[str, str]) -> None:
    """A revoked Meta token: Meta's task fails, the other loads succeed, dbt_build waits for a complete set."""
    env = {**airflow_home, **shop.env(), "ECOMM_SECRET_DEMO_STORE_META_TOKEN": "EAAB-revoked"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(DAGS), "--no-retries"], env=env, capture_output=True, text=True,
                          timeout=540)
    assert "DAGRUN_STATE failed" in done.stdout, done.stdout[-3000:] + done.stderr[-5000:]
    for task in ("load_ecb", "load_google_ads", "load_shopify"):
        assert f"('{task}', 'success')" in done.stdout, done.stdout[-3000:]
    assert "('load_meta_ads', 'failed')" in done.stdout and "('dbt_build', 'upstream_failed')" in done.stdout
    assert "Meta Ads act_1000001 of store demo-store" in done.stdout + done.stderr  # the task log names the cause
    assert shop.scalar("select count(*) from demo_store_raw_shopify.orders") == 150
    tables = {row[0] for row in shop.query("select table_schema from information_schema.tables")}
    assert MARTS not in tables
