"""Fixtures that run the committed generated/ code against the Shopify emulator, on DuckDB.

The generated modules are imported from the repository's generated/dags, exactly as Airflow imports
them (it puts the DAGs folder on sys.path); every file they write goes under a temporary
ECOMM_LOCAL_ROOT, never into the repository.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest

from generator.config import load_project
from generator.emulators.ecb import ECBEmulator, RateSpec, build_rates
from generator.emulators.google_ads import CustomerSpec, GoogleAdsSpec, build_google_ads_world
from generator.emulators.meta import AccountSpec, MetaEmulator, MetaSpec, build_meta_world
from generator.emulators.shopify import ShopifyEmulator, WorldSpec, build_world
from generator.sources import SOURCE_TYPES

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "generated" / "dags"
STORE = "ecomm_pipelines.demo_store"
TOKEN = "shpat_test_token_for_the_emulator"
META_TOKEN = "EAAB-test-token"
RAW = "demo_store_raw_shopify"
MARTS = "demo_store_marts"
TIMEZONE = "Europe/Berlin"


@pytest.fixture(scope="session")
def runtime() -> Any:
    if str(DAGS) not in sys.path:
        sys.path.insert(0, str(DAGS))
    return importlib.import_module("ecomm_pipelines.runtime")


class Harness:
    """The demo store's emulators (Shopify, ECB, Meta), one local root, and helpers to load, build, query."""

    def __init__(self, emulator: ShopifyEmulator, ecb: ECBEmulator, meta: MetaEmulator, root: Path, runtime: Any,
                 monkeypatch: pytest.MonkeyPatch, google_env: dict[str, str]):
        self.emulator, self.ecb, self.meta, self.root, self.runtime = emulator, ecb, meta, root, runtime
        self.google_env = google_env
        for name, value in self.env().items():
            monkeypatch.setenv(name, value)

    def env(self) -> dict[str, str]:
        """What points the generated pipelines at these emulators and this root."""
        return {"ECOMM_TARGET": "local", "ECOMM_LOCAL_ROOT": str(self.root),
                "ECOMM_SHOPIFY_URL": self.emulator.base_url, "ECOMM_SECRET_DEMO_STORE_SHOPIFY_TOKEN": TOKEN,
                "ECOMM_ECB_URL": self.ecb.base_url,
                "ECOMM_META_ADS_URL": self.meta.base_url, "ECOMM_SECRET_DEMO_STORE_META_TOKEN": META_TOKEN,
                **self.google_env}

    @property
    def duckdb_path(self) -> Path:
        return self.root / ".ecomm" / "demo-store.duckdb"

    def load(self) -> dict[str, int]:
        return self.runtime.load_source(STORE, "shopify")

    def load_rates(self) -> dict[str, int]:
        return self.runtime.load_source(STORE, "ecb")

    def load_ads(self) -> dict[str, int]:
        return {**self.runtime.load_source(STORE, "meta_ads"), **self.runtime.load_source(STORE, "google_ads")}

    def dbt_build(self) -> dict[str, int]:
        return self.runtime.dbt_build(STORE, quiet=True)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def scalar(self, sql: str) -> Any:
        return self.query(sql)[0][0]


def make_harness(tmp_path: Path, runtime: Any, monkeypatch: pytest.MonkeyPatch, *, emulator_options: dict | None = None,
                 **spec: Any) -> Iterator[Harness]:
    world = build_world(WorldSpec(timezone=TIMEZONE, **spec))
    rates = build_rates(RateSpec(start=world.spec.start - timedelta(days=60), end=world.spec.end))
    ads = build_meta_world(MetaSpec(start=world.spec.start, end=world.spec.end,
                                    accounts=(AccountSpec("act_1000001"), AccountSpec("act_1000002", "USD"))))
    # Google Ads as `ecomm run` starts it, from the demo store's own config
    demo = load_project(REPO).merchants["demo-store"]
    google_world = build_google_ads_world(GoogleAdsSpec(start=world.spec.start, end=world.spec.end, customers=(
        CustomerSpec(manager_id=demo.source("google_ads").login_customer_id),)))
    google, google_env = SOURCE_TYPES["google_ads"].sandbox(demo.source("google_ads"), demo, port=0,
                                                            world=SimpleNamespace(google_ads=google_world))
    with (ShopifyEmulator(world, access_token=TOKEN, **(emulator_options or {})) as emulator,
          ECBEmulator(rates) as ecb, MetaEmulator(ads, access_token=META_TOKEN, async_polls=1) as meta):
        try:
            yield Harness(emulator, ecb, meta, tmp_path, runtime, monkeypatch, google_env)
        finally:
            google.stop()


@pytest.fixture
def shop(tmp_path: Path, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    """A 600-order shop: three pages of 250 orders, refunds, cancellations, test orders."""
    yield from make_harness(tmp_path, runtime, monkeypatch, orders=600, seed=7)
