"""The generated Meta Ads source against the Meta emulator: exact spend and purchases under the one
configured action type, async back-fill, trailing re-pull without duplicates, rate limits retried,
a bad token failing fast with advice. Expectations come from the emulator's world."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from generator.emulators.meta import AccountSpec, MetaEmulator, MetaSpec, build_meta_world

RAW = "demo_store_raw_meta_ads"
PURCHASE = "offsite_conversion.fb_pixel_purchase"  # the demo store's configured purchase action type
TOKEN = "EAAB-test-token"
ACCOUNTS = (AccountSpec("act_1000001"), AccountSpec("act_1000002", "USD", "America/New_York", campaigns=1))


class Ads:
    def __init__(self, emulator: MetaEmulator, root: Path):
        self.emulator, self.root = emulator, root
        self.module = importlib.import_module("ecomm_pipelines.demo_store.meta_ads")

    def load(self) -> dict[str, int]:
        return self.module.load(date(2026, 12, 1))

    def loaded(self) -> dict[tuple[str, date, str], tuple]:
        with duckdb.connect(str(self.root / ".ecomm" / "demo-store.duckdb"), read_only=True) as connection:
            rows = connection.execute(f"select account_id, date, ad_id, spend, impressions, clicks, purchases, "
                                      f"purchase_value, account_currency from {RAW}.insights_daily").fetchall()
        assert len(rows) == len({r[:3] for r in rows}), "a row key is there twice"
        return {r[:3]: r[3:] for r in rows}

    def expected(self) -> dict[tuple[str, date, str], tuple]:
        currency = {a.account_id: a.currency for a in ACCOUNTS}
        return {key: (m.spend, m.impressions, m.clicks, Decimal(m.action(PURCHASE)), m.action_value(PURCHASE),
                      currency[key[0]])
                for key, m in self.emulator.world.expected_daily("ad").items() if key[1] >= date(2026, 6, 1)}

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path.rsplit("/", 1)[-1]) for r in self.emulator.requests]


@pytest.fixture
def ads(tmp_path: Path, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ads]:
    world = build_meta_world(MetaSpec(start=date(2026, 6, 1), end=date(2026, 11, 30), accounts=ACCOUNTS))
    with MetaEmulator(world, access_token=TOKEN, page_size=200, async_polls=2) as emulator:
        monkeypatch.setenv("ECOMM_TARGET", "local")
        monkeypatch.setenv("ECOMM_LOCAL_ROOT", str(tmp_path))
        monkeypatch.setenv("ECOMM_META_ADS_URL", emulator.base_url)
        monkeypatch.setenv("ECOMM_SECRET_DEMO_STORE_META_TOKEN", TOKEN)
        yield Ads(emulator, tmp_path)


def test_backfill_goes_async_and_every_row_is_exact(ads: Ads) -> None:
    ads.load()
    calls = ads.calls()
    assert calls.count(("POST", "insights")) == 2, "one async report run per account for the long back-fill"
    assert any(method == "GET" and name.isdigit() for method, name in calls), "the runs were polled"
    assert ads.loaded() == ads.expected()
    # the canonical type only: summing every purchase type would count each purchase two or three times
    all_types = sum(sum(m.action(t) for t in ("purchase", "omni_purchase", PURCHASE))
                    for m in ads.emulator.world.expected_daily("ad").values())
    assert sum(v[3] for v in ads.loaded().values()) * 2 < all_types


def test_daily_runs_repull_the_settling_window_without_duplicates(ads: Ads) -> None:
    ads.load()
    before = ads.loaded()
    summary = ads.emulator.world.advance(1)
    assert summary.rows_revised
    ads.emulator.requests.clear()
    rows = ads.load()
    assert ("POST", "insights") not in ads.calls(), "a few days are read synchronously"
    after = ads.loaded()
    assert after == ads.expected()
    assert {k for k in after if after[k] != before.get(k)}, "restated days were replaced"
    assert rows["insights_daily"] < len(after) / 5


def test_rate_limits_sent_as_http_400_are_retried(ads: Ads) -> None:
    ads.emulator.inject(400, count=2, error_code=17)
    ads.load()
    assert [r.status for r in ads.emulator.requests[:3]] == [400, 400, 200]
    assert ads.loaded() == ads.expected()


def test_an_invalid_token_fails_fast_with_advice(ads: Ads, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOMM_SECRET_DEMO_STORE_META_TOKEN", "EAAB-wrong")
    with pytest.raises(Exception, match="access token is invalid or expired") as failure:
        ads.load()
    assert "act_1000001" in str(failure.value) and "demo-store" in str(failure.value)
    assert len(ads.emulator.requests) == 1, "a bad token is not retried"
