"""The coherent sandbox world: ads, GA4 sessions and Shopify orders tell one story, from one seed."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from generator.emulators.google_ads import CustomerSpec
from generator.emulators.meta import AccountSpec
from generator.emulators.store_world import LANDED, StoreWorld, StoreWorldSpec, build_store_world

SPEC = StoreWorldSpec(orders=200, meta_accounts=(AccountSpec("act_1000001", ads_per_adset=1),
                                                 AccountSpec("act_1000002", "USD", ads_per_adset=1)),
                      google_customers=(CustomerSpec(),))
TZ = ZoneInfo(SPEC.timezone)


@pytest.fixture(scope="module")
def world() -> StoreWorld:
    return build_store_world(SPEC)


def web_orders(world: StoreWorld) -> list[dict]:
    return [o for o in world.shop.orders if o["source_name"] == "web"]


def param(event: dict, key: str):
    value = next((p["value"] for p in event["event_params"] if p["key"] == key), None)
    return None if value is None else next((v for v in value.values() if v is not None), None)


def sessions_of(world: StoreWorld) -> dict[tuple[str, int], list[dict]]:
    out: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for event in world.ga4_events:
        out[(event["user_pseudo_id"], param(event, "ga_session_id"))].append(event)
    return out


def test_every_web_order_but_test_orders_has_exactly_one_purchase_with_its_id_and_total(world: StoreWorld) -> None:
    purchases = [e for e in world.ga4_events if e["event_name"] == "purchase"]
    by_id = Counter(e["ecommerce"]["transaction_id"] for e in purchases)
    expected = {str(o["id"]): o for o in web_orders(world) if not o["test"]}
    assert set(by_id) == set(expected) and set(by_id.values()) == {1}
    for event in purchases:
        order = expected[event["ecommerce"]["transaction_id"]]
        assert Decimal(repr(event["ecommerce"]["purchase_revenue"])) == Decimal(order["total_price"])
        assert param(event, "transaction_id") == str(order["id"]) and param(event, "currency") == order["currency"]
        placed = datetime.fromisoformat(order["created_at"]).astimezone(UTC)
        assert 0 <= event["event_timestamp"] / 1e6 - placed.timestamp() < 60


def test_the_order_landing_site_is_the_converting_session_landing_page(world: StoreWorld) -> None:
    sessions = sessions_of(world)
    purchase_session = {e["ecommerce"]["transaction_id"]: (e["user_pseudo_id"], param(e, "ga_session_id"))
                        for e in world.ga4_events if e["event_name"] == "purchase"}
    for order in web_orders(world):
        if order["test"]:
            continue
        events = sessions[purchase_session[str(order["id"])]]
        first = min(events, key=lambda e: e["event_timestamp"])
        page = urlsplit(param(first, "page_location"))
        assert page.path + (f"?{page.query}" if page.query else "") == order["landing_site"]
        assert param(first, "page_referrer") == order["referring_site"]
        utms = {k: v[0] for k, v in parse_qs(urlsplit(order["landing_site"]).query).items()}
        collected = first["collected_traffic_source"]
        if "utm_source" in utms:
            assert (collected["manual_source"], collected["manual_medium"], collected["manual_campaign_name"]) == (
                utms["utm_source"], utms["utm_medium"], utms["utm_campaign"])
            assert collected["manual_campaign_id"] == utms.get("utm_id")
            assert collected["gclid"] == utms.get("gclid")
        else:
            assert collected is None


def test_paid_sessions_are_the_landed_share_of_each_campaign_days_clicks(world: StoreWorld) -> None:
    clicks: dict[tuple[str, str], int] = defaultdict(int)
    names: dict[str, str] = {}
    for row in world.meta.rows():
        clicks[(row.campaign_id, row.day.strftime("%Y%m%d"))] += row.clicks
        names[row.campaign_id] = world.meta.campaign(row.campaign_id).name
    for customer_id, rows in world.google_ads.rows.items():
        for row in rows:
            clicks[(str(row.campaign_id), row.date.strftime("%Y%m%d"))] += row.clicks
            names[str(row.campaign_id)] = world.google_ads.campaign(customer_id, row.campaign_id).name
    landed: Counter = Counter()
    for event in world.ga4_events:
        collected = event["collected_traffic_source"]
        if event["event_name"] == "session_start" and collected and collected["manual_campaign_id"]:
            landed[(collected["manual_campaign_id"], event["event_date"])] += 1
            assert names[collected["manual_campaign_id"]] == collected["manual_campaign_name"]
    assert landed and set(landed) <= set(clicks)
    for key, n in clicks.items():
        assert landed[key] == int(n * LANDED), key


def test_buyers_come_back_on_the_same_device_over_several_channels(world: StoreWorld) -> None:
    by_customer: dict[int, list[dict]] = defaultdict(list)
    for order in web_orders(world):
        if order["customer"]:
            by_customer[order["customer"]["id"]].append(order)
    returning = [orders for orders in by_customer.values() if len(orders) > 1]
    assert len(returning) > 10
    multi_channel = [path for path in world.paths.values() if len({t.channel for t in path}) > 1]
    assert len(multi_channel) > len(world.paths) / 5
    spans = [(path[-1].at - path[0].at).days for path in world.paths.values()]
    assert max(spans) >= 14  # journeys over weeks, not minutes
    users = Counter(e["user_pseudo_id"] for e in world.ga4_events if e["event_name"] == "purchase")
    assert any(n > 1 for n in users.values())  # one device, several orders


def utm_channel(order: dict) -> str:
    """The channel of an order from its landing site and referrer alone (a UTM-only store's view)."""
    utms = {k: v[0] for k, v in parse_qs(urlsplit(order["landing_site"]).query).items()}
    medium, referrer = utms.get("utm_medium"), order["referring_site"] or ""
    if medium == "paid_social":
        return "Paid Social"
    if medium == "cpc":
        return "Paid Shopping" if "shopping" in utms["utm_campaign"].lower() else "Paid Search"
    if medium == "email":
        return "Email"
    if "google." in referrer:
        return "Organic Search"
    if "pinterest." in referrer:
        return "Organic Social"
    return "Referral" if referrer else "Direct"


def test_last_click_answers_follow_from_the_orders_alone(world: StoreWorld) -> None:
    """Recompute the channel of each order from its landing site and referrer only, as a UTM-only store would."""
    expected: Counter = Counter()
    for order in web_orders(world):
        expected[(datetime.fromisoformat(order["processed_at"]).astimezone(TZ).date(), utm_channel(order))] += 1
    assert world.last_click_orders() == dict(expected)
    shares = Counter()
    for (_, name), n in expected.items():
        shares[name] += n
    assert shares["Paid Social"] and shares["Paid Search"] + shares["Paid Shopping"] and shares["Direct"]


def test_spend_answers_equal_the_ad_platforms_totals(world: StoreWorld) -> None:
    meta = world.meta.expected_daily(level="account")
    for (account, day), metrics in meta.items():
        assert world.spend[("meta_ads", account, day)][:2] == (metrics.spend, metrics.clicks)
    google: dict = defaultdict(lambda: [Decimal(0), 0])
    for (customer, day, _), row in world.google_ads.expected_daily().items():
        google[(customer, day)][0] += row["cost"]
        google[(customer, day)][1] += row["clicks"]
    for (customer, day), (cost, clicks) in google.items():
        assert world.spend[("google_ads", customer, day)][:2] == (cost, clicks)
    assert {key[0] for key in world.spend} == {"meta_ads", "google_ads"}
    assert world.spend[("meta_ads", "act_1000002", SPEC.start)][2] == "USD"


def test_ads_are_sized_to_the_shop(world: StoreWorld) -> None:
    paid = sum(1 for path in world.paths.values() if path[-1].platform)
    assert 0.3 < paid / len(world.paths) < 0.6
    revenue = sum(Decimal(o["total_price"]) for o in world.shop.orders)
    spend_eur = sum(s for (platform, account, _), (s, _, currency) in world.spend.items() if currency == "EUR")
    assert 2 < revenue / spend_eur < 30  # a plausible blended return, not ads ten times the shop


def test_same_spec_same_world_and_the_seed_matters() -> None:
    def digest(world: StoreWorld) -> str:
        return hashlib.sha256(json.dumps([world.ga4_events, world.shop.orders], sort_keys=True).encode()).hexdigest()

    small = StoreWorldSpec(orders=40, meta_accounts=(AccountSpec(ads_per_adset=1),))
    assert digest(build_store_world(small)) == digest(build_store_world(small))
    other = StoreWorldSpec(seed=7, orders=40, meta_accounts=(AccountSpec(ads_per_adset=1),))
    assert digest(build_store_world(other)) != digest(build_store_world(small))


def test_a_shop_without_ads_has_only_organic_sessions() -> None:
    world = build_store_world(StoreWorldSpec(orders=40))
    assert world.meta is None and world.google_ads is None and not world.spend
    assert {path[-1].channel for path in world.paths.values()} <= {
        "Organic Search", "Email", "Organic Social", "Referral", "Direct"}
