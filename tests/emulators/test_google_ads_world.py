"""The deterministic Google Ads world: rows, money in micros, sparse days and late conversions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from generator.emulators.google_ads.world import (
    US_CUSTOMER,
    CustomerSpec,
    GoogleAdsSpec,
    GoogleAdsWorld,
    build_google_ads_world,
)

TWO = GoogleAdsSpec(customers=(CustomerSpec(), US_CUSTOMER))

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def world() -> GoogleAdsWorld:
    return build_google_ads_world(TWO)


def test_same_spec_same_world_and_other_seed_differs(world: GoogleAdsWorld) -> None:
    again = build_google_ads_world(TWO)
    assert again.expected_daily() == world.expected_daily()
    assert again.campaigns == world.campaigns
    other = build_google_ads_world(GoogleAdsSpec(seed=7, customers=TWO.customers))
    assert other.expected_daily() != world.expected_daily()


def test_campaigns_have_int64_ids_names_statuses_and_channels(world: GoogleAdsWorld) -> None:
    campaigns = world.campaigns["1234567890"]
    assert len(campaigns) == 4
    assert {c.name for c in campaigns} >= {"Brand – Search", "Shopping – All Products"}
    assert {c.status for c in campaigns} == {"ENABLED", "PAUSED", "REMOVED"}
    assert {c.advertising_channel_type for c in campaigns} >= {"SEARCH", "SHOPPING"}
    ids = [c.id for cs in world.campaigns.values() for c in cs]
    assert len(set(ids)) == len(ids) and all(isinstance(i, int) and i > 2**31 for i in ids)
    assert campaigns[0].resource_name == f"customers/1234567890/campaigns/{campaigns[0].id}"


def test_metrics_have_api_types_and_cost_in_whole_cents(world: GoogleAdsWorld) -> None:
    rows = [r for rows in world.rows.values() for r in rows]
    assert len(rows) > 800
    for row in rows:
        assert isinstance(row.cost_micros, int) and row.cost_micros > 0 and row.cost_micros % 10_000 == 0
        assert isinstance(row.clicks, int) and isinstance(row.impressions, int)
        assert 0 <= row.clicks <= row.impressions and row.impressions > 0
        assert isinstance(row.conversions, float) and isinstance(row.conversions_value, float)
        assert Decimal(repr(row.conversions)).as_tuple().exponent >= -2
    assert any(r.conversions != int(r.conversions) for r in rows)  # fractional (data-driven) conversions


def test_second_customer_is_usd_on_new_york_time(world: GoogleAdsWorld) -> None:
    us = world.customer("5550001234")
    assert us is not None and (us.currency_code, us.time_zone, us.manager_id) == ("USD", "America/New_York", None)
    assert world.customer("1234567890").currency_code == "EUR"
    expected = world.expected_daily()
    assert {v["currency"] for k, v in expected.items() if k[0] == "5550001234"} == {"USD"}
    assert {v["time_zone"] for k, v in expected.items() if k[0] == "1234567890"} == {"Europe/Berlin"}


def test_paused_and_removed_campaigns_and_pause_days_have_no_rows(world: GoogleAdsWorld) -> None:
    expected = world.expected_daily()
    for cid, campaigns in world.campaigns.items():
        for campaign in campaigns:
            days = {d for (c, d, k) in expected if c == cid and k == campaign.id}
            if campaign.stopped_on is not None:
                assert days and max(days) < campaign.stopped_on
            else:
                span = (world.end - world.start).days + 1
                assert span * 0.8 < len(days) < span  # delivers most days, but not every day
    assert all(world.start <= d <= world.end for (_, d, _) in expected)


def test_spend_follows_a_weekday_rhythm(world: GoogleAdsWorld) -> None:
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for row in world.rows["1234567890"]:
        if row.date.month < 11:
            by_weekday[row.date.weekday()].append(row.cost_micros)
    mean = {wd: sum(v) / len(v) for wd, v in by_weekday.items()}
    assert mean[0] > mean[5] * 1.1  # Monday well above Saturday


def test_expected_daily_matches_the_stored_rows(world: GoogleAdsWorld) -> None:
    expected = world.expected_daily()
    rows = [r for rows in world.rows.values() for r in rows]
    assert len(expected) == len(rows)
    for row in rows:
        exp = expected[(row.customer_id, row.date, row.campaign_id)]
        assert exp["cost"] == Decimal(row.cost_micros) / 10**6 and isinstance(exp["cost"], Decimal)
        assert (exp["cost_micros"], exp["clicks"], exp["impressions"]) == (row.cost_micros, row.clicks,
                                                                          row.impressions)
        assert exp["conversions"] == Decimal(str(row.conversions))
        assert exp["conversions_value"] == Decimal(str(row.conversions_value))
    assert world.daily_rows("1234567890", date(2026, 7, 1), date(2026, 7, 1)) == [
        r for r in world.rows["1234567890"] if r.date == date(2026, 7, 1)]


def test_advance_revises_only_the_settle_window() -> None:
    spec = GoogleAdsSpec(start=date(2026, 6, 1), end=date(2026, 7, 31), customers=TWO.customers)
    world = build_google_ads_world(spec)
    before = world.expected_daily()
    summary = world.advance()
    after = world.expected_daily()
    new_day = date(2026, 8, 1)
    assert world.end == new_day and summary.days == (new_day,) and world.revision == 1
    window_start = new_day - timedelta(days=spec.settle_days)
    added = set(after) - set(before)
    assert added and {d for (_, d, _) in added} == {new_day} and summary.added == len(added)
    changed = {k for k in before if before[k] != after[k]}
    assert changed and summary.revised == len(changed)
    assert all(window_start <= d < new_day for (_, d, _) in changed)
    for key in changed:  # only conversions grow; spend, clicks and impressions stay
        assert after[key]["conversions"] >= before[key]["conversions"]
        assert {k: v for k, v in after[key].items() if not k.startswith("conversions")} == {
            k: v for k, v in before[key].items() if not k.startswith("conversions")}


def test_advancing_equals_building_the_longer_range() -> None:
    short = build_google_ads_world(GoogleAdsSpec(end=date(2026, 7, 10), customers=TWO.customers))
    short.advance(5)
    long = build_google_ads_world(GoogleAdsSpec(end=date(2026, 7, 15), customers=TWO.customers))
    assert short.expected_daily() == long.expected_daily()


def test_settled_days_report_final_conversions_and_fresh_days_fewer() -> None:
    world = build_google_ads_world(GoogleAdsSpec(end=date(2026, 7, 31)))
    fresh = sum(r.conversions for r in world.daily_rows("1234567890", date(2026, 7, 31), date(2026, 7, 31)))
    world.advance(3)
    settled = sum(r.conversions for r in world.daily_rows("1234567890", date(2026, 7, 31), date(2026, 7, 31)))
    assert 0 < fresh < settled
    world.advance()
    assert settled == sum(r.conversions for r in world.daily_rows("1234567890", date(2026, 7, 31),
                                                                  date(2026, 7, 31)))


@pytest.mark.parametrize("customers", [
    (CustomerSpec(customer_id="123-456-7890"),),
    (CustomerSpec(), CustomerSpec()),
    (CustomerSpec(manager_id="98765"),),
])
def test_bad_specs_are_rejected(customers: tuple[CustomerSpec, ...]) -> None:
    with pytest.raises(ValueError):
        build_google_ads_world(GoogleAdsSpec(customers=customers))
