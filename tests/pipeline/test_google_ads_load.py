"""The generated Google Ads source against the Google Ads emulator: every campaign day exactly once with
its exact cost, the trailing re-pull with revised conversions, token refresh mid-run, quota and server
errors, the clear failure without login-customer-id, paging, and the dbt staging model on top.

The shipped stores do not configure Google Ads, so each test session generates a copy of the project
whose demo store does, and runs that copy's generated code in a subprocess: this process has already
imported the repository's own `ecomm_pipelines`, which would shadow the copy's. Expectations come from
the emulator's world, never from the pipeline.
"""

from __future__ import annotations

import ast
import json
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from generator.emulators.google_ads import (
    US_CUSTOMER,
    CustomerSpec,
    GoogleAdsEmulator,
    GoogleAdsSpec,
    build_google_ads_world,
)
from tests.pipeline.conftest import REPO

pytestmark = pytest.mark.timeout(600)

START = date(2026, 6, 1)  # the demo store's start_date
MANAGER = "9876543210"
EUR_CUSTOMER = CustomerSpec()  # reached through MANAGER
# One login-customer-id serves every configured customer, so the second one sits under the same manager.
USD_CUSTOMER = replace(US_CUSTOMER, manager_id=MANAGER)
RAW = "demo_store_raw_google_ads"
SECRETS = {"client_id": ("secret:demo-store-google-client-id", "test-client"),
           "client_secret": ("secret:demo-store-google-client-secret", "test-secret"),
           "refresh_token": ("secret:demo-store-google-refresh-token", "test-refresh")}
LOAD = """
import json, sys
from datetime import date
sys.path.insert(0, sys.argv[1])
from ecomm_pipelines.demo_store import google_ads
print(json.dumps(google_ads.load(date.fromisoformat(sys.argv[2]))))
"""


def make_project(root: Path, login_customer_id: str | None) -> Path:
    """A copy of the project whose demo store loads both customers, generated."""
    shutil.copytree(REPO / "config", root / "config")
    store = root / "config" / "merchants" / "demo-store.yaml"
    data = yaml.safe_load(store.read_text(encoding="utf-8"))
    section: dict[str, Any] = {"customer_ids": [EUR_CUSTOMER.customer_id, USD_CUSTOMER.customer_id],
                               **{key: reference for key, (reference, _) in SECRETS.items()}}
    if login_customer_id:
        section["login_customer_id"] = login_customer_id
    data["sources"]["google_ads"] = section
    store.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "generator.cli", "--root", str(root), "generate"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_project(tmp_path_factory.mktemp("google-ads-project"), MANAGER)


def test_generated_code_is_standalone_and_lint_clean(project: Path) -> None:
    module = project / "generated" / "dags" / "ecomm_pipelines" / "demo_store" / "google_ads.py"
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and node.module}
    assert imported - set(sys.stdlib_module_names) == {"dlt", "ecomm_pipelines"}
    ruff = str(Path(sys.executable).with_name("ruff"))
    done = subprocess.run([ruff, "check", "--isolated", "--no-cache", str(module)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


class Ads:
    """The emulator, a generated project, a local root, and helpers to load and to compare."""

    def __init__(self, emulator: GoogleAdsEmulator, project: Path, root: Path):
        self.emulator, self.world, self.project, self.root = emulator, emulator.world, project, root

    @property
    def duckdb_path(self) -> Path:
        return self.root / ".ecomm" / "demo-store.duckdb"

    def start_load(self) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-c", LOAD, str(self.project / "generated" / "dags"),
                                 self.world.end.isoformat()], cwd=self.root, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def load(self, *, fails: bool = False) -> dict[str, int] | str:
        """Rows loaded per table; with `fails`, the error output of the failed run."""
        process = self.start_load()
        out, err = process.communicate(timeout=300)
        if fails:
            assert process.returncode != 0, out
            return err
        assert process.returncode == 0, err[-5000:]
        return json.loads(out.strip().splitlines()[-1])

    def loaded(self) -> dict[tuple[str, date, int], dict[str, Any]]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            rows = connection.execute(
                "select customer_id, date, campaign_id, cost, cost_micros, clicks, impressions, conversions, "
                f"conversions_value, currency_code, time_zone from {RAW}.campaign_daily").fetchall()
        keys = [(str(r[0]), r[1], r[2]) for r in rows]
        assert len(keys) == len(set(keys)), "a (customer, date, campaign) is there twice"
        names = ("cost", "cost_micros", "clicks", "impressions", "conversions", "conversions_value", "currency",
                 "time_zone")
        return {key: dict(zip(names, row[3:], strict=True)) for key, row in zip(keys, rows, strict=True)}

    def expected(self) -> dict[tuple[str, date, int], dict[str, Any]]:
        return {key: value for key, value in self.world.expected_daily().items() if key[1] >= START}

    def searches(self, customer_id: str | None = None) -> list[Any]:
        return [r for r in self.emulator.requests if r.path.endswith("googleAds:search")
                and (customer_id is None or f"/customers/{customer_id}/" in r.path)]


def make_ads(project: Path, root: Path, monkeypatch: pytest.MonkeyPatch, **options: Any) -> Iterator[Ads]:
    world = build_google_ads_world(GoogleAdsSpec(customers=(EUR_CUSTOMER, USD_CUSTOMER)))
    emulator = GoogleAdsEmulator(world, client_id=SECRETS["client_id"][1], client_secret=SECRETS["client_secret"][1],
                                 refresh_token=SECRETS["refresh_token"][1], **options)
    with emulator:
        monkeypatch.setenv("ECOMM_TARGET", "local")
        monkeypatch.setenv("ECOMM_LOCAL_ROOT", str(root))
        monkeypatch.setenv("ECOMM_GOOGLE_ADS_URL", emulator.base_url)
        monkeypatch.setenv("ECOMM_GOOGLE_ADS_TOKEN_URL", emulator.token_url)
        # What runtime.load_source sets: no Airflow metadata database is asked for dlt's configuration.
        monkeypatch.setenv("PROVIDERS__ENABLE_AIRFLOW_SECRETS", "false")
        for reference, value in SECRETS.values():
            monkeypatch.setenv("ECOMM_SECRET_" + reference.removeprefix("secret:").upper().replace("-", "_"), value)
        yield Ads(emulator, project, root)


@pytest.fixture
def ads(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ads]:
    yield from make_ads(project, tmp_path, monkeypatch)


def test_first_load_has_every_campaign_day_and_exact_cost(ads: Ads) -> None:
    rows = ads.load()

    loaded, expected = ads.loaded(), ads.expected()
    assert loaded == expected
    assert rows == {"campaign_daily": len(expected)}
    assert {key[0] for key in loaded} == {EUR_CUSTOMER.customer_id, USD_CUSTOMER.customer_id}
    assert all(isinstance(row["cost"], Decimal) and row["cost"] == Decimal(row["cost_micros"]) / 10**6
               for row in loaded.values())
    searches = ads.searches()
    assert [r.status for r in ads.emulator.requests] == [200] * len(ads.emulator.requests)
    assert len(ads.emulator.issued_tokens) == 1
    assert all(r.headers["login-customer-id"] == MANAGER and r.headers["authorization"].startswith("Bearer ")
               for r in searches)
    assert all(f"BETWEEN '{START}' AND '{ads.world.end}'" in r.body["query"] for r in searches)


def test_second_run_re_pulls_only_the_trailing_days_and_takes_the_revised_conversions(ads: Ads) -> None:
    ads.load()
    first_end, before = ads.world.end, ads.expected()
    ads.world.advance(2)
    ads.emulator.requests.clear()

    rows = ads.load()

    loaded, expected = ads.loaded(), ads.expected()
    assert loaded == expected
    window = date.fromordinal(first_end.toordinal() - 3)  # repull_days defaults to 3
    assert all(f"BETWEEN '{window}' AND '{ads.world.end}'" in r.body["query"] for r in ads.searches())
    assert rows == {"campaign_daily": sum(1 for key in expected if key[1] >= window)}
    revised = [key for key in before if before[key]["conversions"] != expected[key]["conversions"]]
    assert revised and all(loaded[key]["conversions"] == expected[key]["conversions"] for key in revised)


def test_a_token_expiring_mid_run_is_refreshed(ads: Ads) -> None:
    # The second customer's request waits a little, time enough to expire the token the run holds.
    ads.emulator.inject(200, path_contains=f"/customers/{USD_CUSTOMER.customer_id}/", delay=1.5)
    process = ads.start_load()
    deadline = time.monotonic() + 120
    while not [r for r in ads.searches(EUR_CUSTOMER.customer_id) if r.status == 200]:
        assert process.poll() is None and time.monotonic() < deadline, "the first customer was never read"
        time.sleep(0.01)
    ads.emulator.expire_tokens()
    _, err = process.communicate(timeout=300)

    assert process.returncode == 0, err[-5000:]
    assert [r.status for r in ads.searches(USD_CUSTOMER.customer_id)][:2] == [401, 200]
    assert len(ads.emulator.issued_tokens) == 2
    assert ads.loaded() == ads.expected()


def test_quota_errors_wait_the_retry_delay_google_asks_for(ads: Ads) -> None:
    ads.emulator.inject(429, count=2, path_contains="googleAds:search", retry_delay_seconds=1.5)
    began = time.monotonic()
    ads.load()

    assert time.monotonic() - began >= 3.0
    assert [r.status for r in ads.searches()][:3] == [429, 429, 200]
    assert ads.loaded() == ads.expected()


def test_a_quota_wait_beyond_the_bound_fails_at_once(ads: Ads) -> None:
    ads.emulator.inject(429, path_contains="googleAds:search", retry_delay_seconds=3600)
    began = time.monotonic()
    err = ads.load(fails=True)

    assert time.monotonic() - began < 120
    assert "demo-store" in err and EUR_CUSTOMER.customer_id in err and "quota" in err
    assert [r.status for r in ads.searches()] == [429]


def test_server_errors_are_retried(ads: Ads) -> None:
    ads.emulator.inject(503, count=2, path_contains="googleAds:search")
    ads.load()
    assert [r.status for r in ads.searches()][:3] == [503, 503, 200]
    assert ads.loaded() == ads.expected()


def test_a_revoked_refresh_token_fails_with_what_to_do(ads: Ads, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOMM_SECRET_DEMO_STORE_GOOGLE_REFRESH_TOKEN", "revoked")
    err = ads.load(fails=True)
    assert "demo-store" in err and "invalid_grant" in err and "secret:demo-store-google-refresh-token" in err
    assert not ads.searches()


def test_without_login_customer_id_the_managed_customer_fails_clearly(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path_factory.mktemp("google-ads-no-login"), None)
    for ads in make_ads(project, tmp_path, monkeypatch):
        err = ads.load(fails=True)
        message = err.strip().splitlines()[-1]
        assert "demo-store" in message and EUR_CUSTOMER.customer_id in message
        assert "login_customer_id" in message and "USER_PERMISSION_DENIED" in message
        assert [r.status for r in ads.searches()] == [403]  # no retry
        assert "login-customer-id" not in ads.searches()[0].headers


def test_paging_follows_next_page_token_exactly(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for ads in make_ads(project, tmp_path, monkeypatch, page_size=50):
        ads.load()
        assert ads.loaded() == ads.expected()
        for customer in (EUR_CUSTOMER, USD_CUSTOMER):
            pages = ads.searches(customer.customer_id)
            rows = sum(1 for key in ads.expected() if key[0] == customer.customer_id)
            assert len(pages) == math.ceil(rows / 50) > 1
            assert "pageToken" not in pages[0].body and all("pageToken" in p.body for p in pages[1:])
            assert len({p.body["query"] for p in pages}) == 1  # follow-ups repeat the identical query


def test_dbt_builds_the_staging_model(ads: Ads) -> None:
    ads.load()
    dbt_project = ads.project / "generated" / "data" / "dbt" / "demo_store"
    env = {**os.environ, "ECOMM_DUCKDB_PATH": str(ads.duckdb_path), "DBT_TARGET_PATH": str(ads.root / "target"),
           "DBT_LOG_PATH": str(ads.root / "logs"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = str(Path(sys.executable).with_name("dbt"))
    done = subprocess.run([dbt, "build", "--select", "+stg_google_ads__campaign_daily", "--project-dir",
                           str(dbt_project), "--profiles-dir", str(dbt_project), "--target", "local"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-5000:]

    with duckdb.connect(str(ads.duckdb_path), read_only=True) as connection:
        spend = dict(connection.execute(
            "select account_id || ' ' || account_currency || ' ' || account_timezone, sum(spend) "
            "from demo_store_staging.stg_google_ads__campaign_daily group by 1").fetchall())
        platforms = connection.execute(
            "select distinct platform from demo_store_staging.stg_google_ads__campaign_daily").fetchall()
    expected: dict[str, Decimal] = {}
    for (customer_id, _, _), row in ads.expected().items():
        name = f"{customer_id} {row['currency']} {row['time_zone']}"
        expected[name] = expected.get(name, Decimal(0)) + row["cost"]
    assert spend == expected
    assert platforms == [("google_ads",)]
