"""The generated Meta ad accounts: determinism, overlapping purchase types, currencies, settling, totals."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from generator.emulators.meta.world import (
    PURCHASE_TYPES,
    WINDOWS,
    AccountSpec,
    MetaSpec,
    MetaWorld,
    Metrics,
    build_meta_world,
    totals_of,
)

pytestmark = pytest.mark.timeout(60)

USD = AccountSpec("act_1000002", "USD", "America/New_York", campaigns=1)
SPEC = MetaSpec(seed=7, start=date(2026, 6, 1), end=date(2026, 7, 31), accounts=(AccountSpec(), USD))
PIXEL = "offsite_conversion.fb_pixel_purchase"


@pytest.fixture(scope="module")
def world() -> MetaWorld:
    return build_meta_world(SPEC)


def snapshot(world: MetaWorld) -> dict[tuple, tuple]:
    return {(r.account_id, r.day, r.ad_id): r.fingerprint() for r in world.rows()}


def test_same_spec_same_world_and_other_seed_differs(world: MetaWorld) -> None:
    again = build_meta_world(SPEC)
    assert snapshot(again) == snapshot(world)
    assert [(c.id, c.name) for c in again.campaigns] == [(c.id, c.name) for c in world.campaigns]
    other = build_meta_world(MetaSpec(seed=8, start=SPEC.start, end=SPEC.start + timedelta(days=6)))
    assert snapshot(other) != {k: v for k, v in snapshot(world).items() if k[1] <= other.end}


def test_entities_have_numeric_string_ids_and_readable_names(world: MetaWorld) -> None:
    assert len(world.campaigns) == 4 and len(world.adsets) == 8 and len(world.ads) == 16
    ids = [e.id for e in (*world.campaigns, *world.adsets, *world.ads)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"\d{15}", i) for i in ids)
    assert all(" – " in c.name for c in world.campaigns)
    assert world.account("1000001") is world.account("act_1000001") is not None
    assert world.account("act_999") is None


def test_metrics_are_exact_and_plausible(world: MetaWorld) -> None:
    rows = world.rows()
    assert rows and all(r.impressions > 0 for r in rows)  # zero-delivery ad-days produce no rows
    for row in rows:
        assert row.spend == row.spend.quantize(Decimal("0.01")) and row.spend > 0
        assert row.clicks <= row.impressions and row.reach <= row.impressions
        for metrics in row.platforms.values():
            assert metrics.impressions > 0
    total = totals_of(rows)
    assert Decimal("1.0") < total.action_value(PIXEL) / total.spend < Decimal("5")  # a believable ROAS


def test_several_overlapping_purchase_types(world: MetaWorld) -> None:
    total = totals_of(world.rows())
    counts = {t: total.action(t) for t in PURCHASE_TYPES}
    assert all(n > 50 for n in counts.values())
    assert counts["purchase"] == counts["omni_purchase"] >= counts[PIXEL]
    assert sum(counts.values()) > 2.9 * counts[PIXEL]  # summing every type counts each purchase ~3 times
    for row in world.rows():
        for m in row.platforms.values():
            assert m.action("omni_purchase") >= m.action(PIXEL)
            for action_type in m.actions:
                w = m.actions[action_type]
                assert w["1d_click"] <= w["7d_click"] <= w["28d_click"]
                assert w["1d_view"] <= w["7d_view"] <= w["28d_view"]
                assert m.action(action_type) == w["7d_click"] + w["1d_view"]
    types = {a["action_type"] for r in world.rows() for a in r.actions}
    assert {"link_click", "landing_page_view", "add_to_cart", *PURCHASE_TYPES} <= types
    assert set(WINDOWS) <= set(world.rows()[0].actions[0])


def test_second_account_has_its_own_currency(world: MetaWorld) -> None:
    usd = world.account("act_1000002")
    assert usd is not None and usd.currency == "USD" and usd.timezone == "America/New_York"
    assert {c.account_id for c in world.campaigns} == {"act_1000001", "act_1000002"}
    usd_rows = world.rows("act_1000002")
    assert usd_rows and {r.account_id for r in usd_rows} == {"act_1000002"}
    assert len(usd_rows) + len(world.rows("act_1000001")) == len(world.rows())


def test_weekday_rhythm_and_paused_days(world: MetaWorld) -> None:
    by_campaign: dict[str, set[date]] = defaultdict(set)
    for row in world.rows():
        by_campaign[row.campaign_id].add(row.day)
    assert any(len(days) < len(world.days) for days in by_campaign.values())  # paused or late-launched days
    spend = defaultdict(Decimal)
    for row in world.rows("act_1000001"):
        spend[row.day.weekday()] += row.spend
    assert spend[6] > spend[0]  # Sundays spend more than Mondays


def test_advance_adds_a_day_and_revises_only_the_settle_window() -> None:
    spec = MetaSpec(seed=7, start=date(2026, 6, 1), end=date(2026, 6, 30), accounts=(AccountSpec(), USD))
    world = build_meta_world(spec)
    before = snapshot(world)
    old_end = world.end
    summary = world.advance()
    assert world.end == old_end + timedelta(days=1) and summary.days == (world.end,)
    after = snapshot(world)
    new_keys = set(after) - set(before)
    assert new_keys and {k[1] for k in new_keys} == {world.end} and summary.rows_added == len(new_keys)
    assert set(before) <= set(after)
    changed = {k for k in before if before[k] != after[k]}
    first_open = world.end - timedelta(days=spec.attribution_settle_days)
    assert changed and all(first_open <= k[1] < world.end for k in changed)
    assert summary.rows_revised == len(changed)
    old = {(r.account_id, r.day, r.ad_id): r for r in build_meta_world(spec).rows()}
    for row in world.rows(since=first_open, until=old_end):
        was = old[(row.account_id, row.day, row.ad_id)].totals()
        for action_type in PURCHASE_TYPES:  # late conversions only add
            assert row.totals().action(action_type) >= was.action(action_type)
            assert row.totals().action_value(action_type) >= was.action_value(action_type)
    twin = build_meta_world(spec)
    twin.advance()
    assert snapshot(twin) == after  # settling is deterministic too


def test_advance_revises_spend_sometimes() -> None:
    world = build_meta_world(MetaSpec(seed=3, start=date(2026, 6, 1), end=date(2026, 6, 30)))
    before = {(r.day, r.ad_id): r.spend for r in world.rows()}
    summaries = [world.advance() for _ in range(5)]
    assert sum(s.spend_revisions for s in summaries) > 0
    assert any(before[(r.day, r.ad_id)] != r.spend for r in world.rows() if (r.day, r.ad_id) in before)
    assert world.revision == 5


@pytest.mark.parametrize("level", ["ad", "adset", "campaign", "account"])
def test_expected_daily_sums_match_the_stored_rows(world: MetaWorld, level: str) -> None:
    expected = world.expected_daily(level)
    attr = {"ad": "ad_id", "adset": "adset_id", "campaign": "campaign_id"}.get(level)
    manual: dict[tuple, Metrics] = defaultdict(Metrics)
    for row in world.rows():
        key = (row.account_id, row.day) + ((getattr(row, attr),) if attr else ())
        manual[key].spend += row.spend
        manual[key].impressions += row.impressions
        manual[key].clicks += row.clicks
        for stat in row.actions:
            manual[key].actions.setdefault(stat["action_type"], defaultdict(int))["7d_click"] += stat["value"]
    assert set(expected) == set(manual)
    for key, metrics in expected.items():
        assert (metrics.spend, metrics.impressions, metrics.clicks) == (
            manual[key].spend, manual[key].impressions, manual[key].clicks)
        for action_type, counts in manual[key].actions.items():
            assert metrics.action(action_type) == counts["7d_click"]
    grand = sum((m.spend for m in expected.values()), Decimal("0"))
    assert grand == sum((r.spend for r in world.rows()), Decimal("0"))


def test_spec_validation() -> None:
    with pytest.raises(ValueError):
        AccountSpec(account_id="1000001")
    with pytest.raises(ValueError):
        AccountSpec(currency="XYZ")
    with pytest.raises(ValueError):
        MetaSpec(accounts=(AccountSpec(), AccountSpec()))
    with pytest.raises(ValueError):
        MetaSpec(purchase_action_type="link_click")
    with pytest.raises(ValueError):
        MetaSpec(start=date(2026, 6, 2), end=date(2026, 6, 1))
