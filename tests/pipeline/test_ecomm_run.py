"""`ecomm run` as a newcomer uses it: in a copy of the project, twice, and the clear errors."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.pipeline.conftest import REPO, STORE

pytestmark = pytest.mark.timeout(600)


def ecomm(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator.cli", "--root", str(root), *args], capture_output=True,
                          text=True, timeout=540, env={**os.environ, **(env or {})})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for folder in ("config", "generated"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    return tmp_path


def loaded_orders(output: str) -> int:
    line = next(line for line in output.splitlines() if "shopify.orders" in line)
    return int(line.split("│")[2])


def test_run_demo_store_twice(project: Path) -> None:
    first = ecomm(project, "run", "demo-store", "--orders", "300")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Traceback" not in first.stderr
    assert "last 7 days of daily_sales" in first.stdout and "dbt build:" in first.stdout
    assert "error" not in first.stdout.split("dbt build:")[1].split("\n")[0]
    assert loaded_orders(first.stdout) == 300
    with duckdb.connect(str(project / ".ecomm" / "demo-store.duckdb"), read_only=True) as connection:
        days = connection.execute("select count(*), sum(orders) from demo_store_marts.daily_sales").fetchone()
    assert days[0] > 100 and 0 < days[1] < 300  # test and cancelled orders are not in the marts

    second = ecomm(project, "run", "demo-store", "--orders", "300")
    assert second.returncode == 0, second.stdout + second.stderr
    assert loaded_orders(second.stdout) < 30  # only the look-back window is read again
    assert not (project / "generated" / "data" / "dbt" / "demo_store" / "target").exists()


def test_port_in_use_is_a_clear_error(project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = ecomm(project, "run", "demo-store", "--port", str(port))
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_production_store_without_credentials_is_a_clear_error(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOMM_SECRET_")}
    done = subprocess.run([sys.executable, "-m", "generator.cli", "--root", str(project), "run", "berlin-bikes"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1
    assert "not a sandbox store" in done.stderr and "ECOMM_SECRET_BERLIN_BIKES_SHOPIFY_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_and_invalid_stores(project: Path) -> None:
    unknown = ecomm(project, "run", "no-such-store")
    assert unknown.returncode == 1 and "no store named 'no-such-store'" in unknown.stderr
    store_file = project / "config" / "merchants" / "demo-store.yaml"
    store_file.write_text(store_file.read_text().replace("timezone: Europe/Berlin", "timezone: Europe/Berln"))
    invalid = ecomm(project, "run", "demo-store")
    assert invalid.returncode == 1
    assert "config/merchants/demo-store.yaml:8:11: timezone:" in invalid.stderr
    assert "Traceback" not in invalid.stderr


def test_failing_dbt_build_reports_the_failure(project: Path, runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    model = project / "generated" / "data" / "dbt" / "demo_store" / "models" / "marts" / "dim_store.sql"
    model.write_text("select no_such_column from no_such_table\n")
    monkeypatch.setenv("ECOMM_TARGET", "local")
    monkeypatch.setenv("ECOMM_LOCAL_ROOT", str(project))
    monkeypatch.setenv("ECOMM_DATA_DIR", str(project / "generated" / "data"))
    with pytest.raises(RuntimeError, match="dbt build failed for demo-store") as failure:
        runtime.dbt_build(STORE, quiet=True)
    assert "no_such_table" in str(failure.value)


def test_a_chosen_port_serves_the_first_emulator_and_the_rest_take_the_next(project: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = ecomm(project, "run", "demo-store", "--port", str(port), "--orders", "60")
    assert done.returncode == 0, done.stdout + done.stderr
    urls = [line.split(" on ")[1] for line in done.stdout.splitlines() if line.startswith("sandbox:")]
    assert urls == [f"http://127.0.0.1:{port + i}" for i in range(len(urls))] and len(urls) >= 3


def test_a_failing_source_does_not_stop_the_others_and_skips_dbt(project: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Meta gets a revoked token: the other sources still load, dbt is skipped, the summary says which failed."""
    from rich.console import Console

    from generator.errors import UserError
    from generator.runner import run_store
    from generator.sources import SOURCE_TYPES

    meta = SOURCE_TYPES["meta_ads"]
    real_sandbox = meta.sandbox

    def revoked_token(*args, **kwargs):
        emulator, env = real_sandbox(*args, **kwargs)
        return emulator, {**env, "ECOMM_SECRET_DEMO_STORE_META_TOKEN": "EAAB-revoked"}

    monkeypatch.setitem(SOURCE_TYPES, "meta_ads", dataclasses.replace(meta, sandbox=revoked_token))
    console = Console(record=True, width=200)
    with pytest.raises(UserError) as failure:
        run_store(project, "demo-store", port=0, orders=60, console=console)
    output = console.export_text()
    message = str(failure.value)
    assert "demo-store: 3 of 4 sources loaded; meta_ads failed" in message and "dbt build was skipped" in message
    for source in ("ecb", "google_ads", "shopify"):
        assert f"loaded {source}:" in output
    assert "loading meta_ads for demo-store failed" in output and "190" in output
    assert "dbt build:" not in output
    with duckdb.connect(str(project / ".ecomm" / "demo-store.duckdb"), read_only=True) as connection:
        query = "select schema_name from information_schema.schemata"
        schemas = {row[0] for row in connection.execute(query).fetchall()}
        orders = connection.execute("select count(*) from demo_store_raw_shopify.orders").fetchone()[0]
    assert orders == 60 and "demo_store_marts" not in schemas
