"""The generated Shopify world: determinism, Shopify's internal arithmetic, realism, DST, mutations.

Timing reference: a 100,000-order world builds in 15-18 s on the shared 2-core
project machine (16.7 s measured; 20k orders take 3.5-4.5 s); the 20k check
below keeps that from regressing.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from generator.emulators.shopify.world import ShopWorld, WorldSpec, build_world
from tests import oracle

pytestmark = pytest.mark.timeout(120)

CENT = Decimal("0.01")
BERLIN = ZoneInfo("Europe/Berlin")
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def q(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def d(text: str) -> Decimal:
    assert MONEY.match(text), text
    return Decimal(text)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def world() -> ShopWorld:
    return build_world(WorldSpec(orders=400, seed=11))


def allocations(line: dict) -> Decimal:
    return sum((d(a["amount"]) for a in line["discount_allocations"]), Decimal(0))


def line_tax(obj: dict) -> Decimal:
    return sum((d(t["price"]) for t in obj["tax_lines"]), Decimal(0))


# ----------------------------------------------------------------------------- determinism


def test_same_spec_gives_identical_json() -> None:
    spec = WorldSpec(orders=120, seed=5)
    assert json.dumps(build_world(spec).snapshot()) == json.dumps(build_world(spec).snapshot())


def test_other_seed_gives_other_world() -> None:
    a, b = build_world(WorldSpec(orders=120, seed=5)), build_world(WorldSpec(orders=120, seed=6))
    assert [o["total_price"] for o in a.orders] != [o["total_price"] for o in b.orders]


def test_mutations_are_deterministic() -> None:
    a, b = build_world(WorldSpec(orders=80, seed=3)), build_world(WorldSpec(orders=80, seed=3))
    for step in (1, 2, 3):
        assert a.mutate(step) == b.mutate(step)
    assert json.dumps(a.snapshot()) == json.dumps(b.snapshot())


@pytest.mark.parametrize("orders", [0, 1, 5, 19])
def test_tiny_worlds_build_and_mutate(orders: int) -> None:
    world = build_world(WorldSpec(orders=orders, seed=orders, start=date(2026, 11, 20)))
    assert len(world.orders) == orders
    summary = world.mutate()
    assert len(world.orders) == orders + len(summary.new_order_ids) and summary.day == date(2026, 12, 1)


def test_shop_currency_gets_the_biggest_share() -> None:
    world = build_world(WorldSpec(orders=300, seed=8, shop_currency="USD"))
    shares = {}
    for o in world.orders:
        shares[o["presentment_currency"]] = shares.get(o["presentment_currency"], 0) + 1
    assert max(shares, key=shares.get) == "USD" and world.orders[0]["currency"] == "USD"
    assert world.fx_rates["USD"] == 1


def test_bad_specs_are_rejected() -> None:
    with pytest.raises(ValueError):
        WorldSpec(shop_currency="XXX")
    with pytest.raises(ValueError):
        WorldSpec(start=date(2026, 6, 2), end=date(2026, 6, 1))


# ----------------------------------------------------------------------------- arithmetic


def test_ids_names_and_sorting(world: ShopWorld) -> None:
    ids = [o["id"] for o in world.orders]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(10**12 <= i < 2**53 for i in ids)
    assert [o["order_number"] for o in world.orders] == list(range(1001, 1001 + len(ids)))
    assert all(o["name"] == f"#{o['order_number']}" for o in world.orders)
    assert all(o["admin_graphql_api_id"] == f"gid://shopify/Order/{o['id']}" for o in world.orders)


def test_order_totals_add_up(world: ShopWorld) -> None:
    for o in world.orders:
        items = sum((d(li["price"]) * li["quantity"] for li in o["line_items"]), Decimal(0))
        discounts = sum((allocations(li) for li in o["line_items"]), Decimal(0))
        shipping = sum((d(s["price"]) for s in o["shipping_lines"]), Decimal(0))
        tax = sum((line_tax(x) for x in o["line_items"] + o["shipping_lines"]), Decimal(0))
        assert d(o["total_line_items_price"]) == items
        assert d(o["total_discounts"]) == discounts == sum((d(c["amount"]) for c in o["discount_codes"]), Decimal(0))
        assert d(o["subtotal_price"]) == items - discounts
        assert d(o["total_tax"]) == tax == sum((d(t["price"]) for t in o["tax_lines"]), Decimal(0))
        assert d(o["total_shipping_price_set"]["shop_money"]["amount"]) == shipping
        assert d(o["total_price"]) == d(o["subtotal_price"]) + shipping + tax
        assert o["taxes_included"] is False and "total_shipping_price" not in o


def test_line_tax_is_rate_times_discounted_value(world: ShopWorld) -> None:
    for o in world.orders:
        for li in o["line_items"]:
            base = d(li["price"]) * li["quantity"] - allocations(li)
            assert Decimal(0) <= allocations(li) <= d(li["price"]) * li["quantity"]
            for t in li["tax_lines"]:
                assert d(t["price"]) == q(Decimal(str(t["rate"])) * base)
        for s in o["shipping_lines"]:
            assert s["discount_allocations"] == [] and s["discounted_price"] == s["price"]
            for t in s["tax_lines"]:
                assert d(t["price"]) == q(Decimal(str(t["rate"])) * d(s["price"]))


def _sets(obj: object) -> list[dict]:
    """Every *_set object anywhere inside obj."""
    found = []
    if isinstance(obj, dict):
        if "shop_money" in obj:
            found.append(obj)
        for v in obj.values():
            found += _sets(v)
    elif isinstance(obj, list):
        for v in obj:
            found += _sets(v)
    return found


def test_money_sets_use_fixed_rates(world: ShopWorld) -> None:
    rates = world.fx_rates
    for o in world.orders[:150]:
        assert o["currency"] == "EUR"
        for s in _sets(o):
            shop, pres = s["shop_money"], s["presentment_money"]
            assert shop["currency_code"] == "EUR" and pres["currency_code"] == o["presentment_currency"]
            assert d(pres["amount"]) == q(d(shop["amount"]) * rates[pres["currency_code"]])
        assert o["total_price_set"]["shop_money"]["amount"] == o["total_price"]
        for li in o["line_items"]:
            assert li["price_set"]["shop_money"]["amount"] == li["price"]


def _check_refund_line(line: dict, rli: dict, refunded_before: int) -> None:
    qty = line["quantity"]
    net = d(line["price"]) * qty - allocations(line)
    sub = d(rli["subtotal_set"]["shop_money"]["amount"])
    tax = d(rli["total_tax_set"]["shop_money"]["amount"])
    assert isinstance(rli["subtotal"], float) and Decimal(str(rli["subtotal"])) == sub
    assert isinstance(rli["total_tax"], float) and Decimal(str(rli["total_tax"])) == tax
    # qty x (price - per-unit allocated discount), within a cent of rounding
    assert abs(sub - rli["quantity"] * (d(line["price"]) - allocations(line) / qty)) <= CENT
    assert abs(tax - line_tax(line) * rli["quantity"] / qty) <= CENT
    assert 0 < rli["quantity"] <= qty - refunded_before
    assert sub <= net


def test_refunds_are_consistent(world: ShopWorld) -> None:
    for o in world.orders:
        lines = {li["id"]: li for li in o["line_items"]}
        done: dict[int, tuple[int, Decimal, Decimal]] = {}
        for r in o["refunds"]:
            assert r["order_id"] == o["id"] and r["order_adjustments"] == []
            assert ts(o["created_at"]) < ts(r["created_at"]) == ts(r["processed_at"]) <= world.now
            money = Decimal(0)
            for rli in r["refund_line_items"]:
                line = lines[rli["line_item_id"]]
                qty, sub, tax = done.get(line["id"], (0, Decimal(0), Decimal(0)))
                _check_refund_line(line, rli, qty)
                r_sub = d(rli["subtotal_set"]["shop_money"]["amount"])
                r_tax = d(rli["total_tax_set"]["shop_money"]["amount"])
                money += r_sub + r_tax
                done[line["id"]] = (qty + rli["quantity"], sub + r_sub, tax + r_tax)
            [txn] = r["transactions"]
            assert (txn["kind"], txn["status"], d(txn["amount"])) == ("refund", "success", money)
        for line_id, (qty, sub, tax) in done.items():
            line = lines[line_id]
            if qty == line["quantity"]:  # fully refunded lines give back exactly their value and tax
                assert sub == d(line["price"]) * qty - allocations(line) and tax == line_tax(line)


def test_current_fields_follow_refunds(world: ShopWorld) -> None:
    for o in world.orders:
        if o["cancelled_at"]:
            assert o["current_total_price"] == "0.00"
            continue
        sub_r = sum((d(x["subtotal_set"]["shop_money"]["amount"]) for r in o["refunds"]
                     for x in r["refund_line_items"]), Decimal(0))
        tax_r = sum((d(x["total_tax_set"]["shop_money"]["amount"]) for r in o["refunds"]
                     for x in r["refund_line_items"]), Decimal(0))
        assert d(o["current_subtotal_price"]) == d(o["subtotal_price"]) - sub_r
        assert d(o["current_total_tax"]) == d(o["total_tax"]) - tax_r
        shipping = d(o["total_shipping_price_set"]["shop_money"]["amount"])
        assert d(o["current_total_price"]) == d(o["current_subtotal_price"]) + shipping + d(o["current_total_tax"])
        refunded_qty = {}
        for r in o["refunds"]:
            for x in r["refund_line_items"]:
                refunded_qty[x["line_item_id"]] = refunded_qty.get(x["line_item_id"], 0) + x["quantity"]
        for li in o["line_items"]:
            assert li["current_quantity"] == li["quantity"] - refunded_qty.get(li["id"], 0)


def test_statuses_match_events(world: ShopWorld) -> None:
    for o in world.orders:
        refunded = sum((d(t["amount"]) for r in o["refunds"] for t in r["transactions"]), Decimal(0))
        if o["cancelled_at"]:
            assert o["financial_status"] in ("voided", "refunded") and o["cancel_reason"]
            assert o["closed_at"] == o["cancelled_at"]
        elif o["refunds"]:
            want = "refunded" if refunded == d(o["total_price"]) else "partially_refunded"
            assert o["financial_status"] == want
        if o["financial_status"] == "refunded":
            assert refunded == d(o["total_price"])


def test_timestamps_and_updated_at(world: ShopWorld) -> None:
    for o in world.orders:
        created, updated = ts(o["created_at"]), ts(o["updated_at"])
        events = [ts(o["processed_at"]), created]
        events += [ts(x) for x in (o["cancelled_at"], o["closed_at"]) if x]
        events += [ts(r["processed_at"]) for r in o["refunds"]] + [ts(f["created_at"]) for f in o["fulfillments"]]
        assert updated >= max(events)  # edits may come later still
        assert updated <= world.now
        if o["source_name"] in ("web", "pos"):
            assert o["processed_at"] == o["created_at"]
        else:  # back-dated imports are shown on an earlier day
            assert ts(o["processed_at"]) <= created


def test_offsets_follow_berlin_dst(world: ShopWorld) -> None:
    summer = [o for o in world.orders if o["created_at"].startswith("2026-07")]
    november = [o for o in world.orders if o["created_at"].startswith("2026-11-1")]
    assert summer and november
    assert all(o["created_at"].endswith("+02:00") for o in summer)
    assert all(o["created_at"].endswith("+01:00") for o in november)
    for o in world.orders:
        for field in ("created_at", "processed_at", "updated_at"):
            stamp = ts(o[field])
            assert stamp.utcoffset() == stamp.astimezone(BERLIN).utcoffset()


def test_embedded_customers_match_customer_list(world: ShopWorld) -> None:
    customers = {c["id"]: c for c in world.customers}
    assert [c["id"] for c in world.customers] == sorted(customers)
    for o in world.orders:
        if o["customer"]:
            full = customers[o["customer"]["id"]]
            for key in ("email", "created_at", "updated_at", "orders_count", "total_spent", "currency"):
                assert o["customer"][key] == full[key]
            assert o["email"] == full["email"] and ts(full["created_at"]) <= ts(o["created_at"])
    for c in world.customers:
        mine = [o for o in world.orders if o["customer"] and o["customer"]["id"] == c["id"] and not o["test"]]
        assert c["orders_count"] == len(mine)


def test_products_are_well_formed(world: ShopWorld) -> None:
    skus = [v["sku"] for p in world.products for v in p["variants"]]
    assert len(world.products) == 12 and len(skus) == len(set(skus))
    costs = {i["id"]: i for i in world.inventory_items}
    for p in world.products:
        for v in p["variants"]:
            assert MONEY.match(v["price"]) and v["inventory_item_id"] in costs
            assert {pp["price"]["currency_code"] for pp in v["presentment_prices"]} == {"EUR", "USD", "GBP", "CHF"}
            assert d(costs[v["inventory_item_id"]]["cost"]) < d(v["price"])


# ----------------------------------------------------------------------------- realism


def test_world_has_every_interesting_case(world: ShopWorld) -> None:
    orders = world.orders
    facts = oracle.order_facts(orders, "Europe/Berlin")
    assert any(f.customer_type == "returning" for f in facts.values())
    assert any(ts(r["created_at"]) - ts(o["created_at"]) > timedelta(days=30) for o in orders for r in o["refunds"])
    assert any(o["cancelled_at"] and o["financial_status"] == "voided" for o in orders)
    assert any(o["cancelled_at"] and o["financial_status"] == "refunded" for o in orders)
    assert any(o["test"] for o in orders)
    assert any(o["financial_status"] == "voided" and not o["cancelled_at"] for o in orders)
    assert len({o["presentment_currency"] for o in orders}) >= 3
    assert any(o["customer"] is None and o["email"] for o in orders)  # guest checkout
    assert any(o["source_name"] == "pos" for o in orders)
    assert any(o["processed_at"] != o["created_at"] for o in orders)
    assert any(o["discount_codes"] and len(o["line_items"]) > 1 for o in orders)
    assert any(r["refund_line_items"][0]["quantity"] < sum(li["quantity"] for li in o["line_items"])
               for o in orders for r in o["refunds"])  # partial refunds
    landings = [o["landing_site"] or "" for o in orders]
    assert sum("utm_source=" in s for s in landings) > len(orders) // 3
    assert any("gclid=" in s for s in landings) and any("fbclid=" in s for s in landings)
    assert any(s and "utm_" not in s for s in landings)


def test_guest_emails_repeat_with_other_casing(world: ShopWorld) -> None:
    guests = [o["email"] for o in world.orders if o["customer"] is None and o["email"] and not o["test"]]
    assert len({e.lower() for e in guests}) < len(guests)


def test_orders_spread_over_days_with_a_rhythm(world: ShopWorld) -> None:
    days = {ts(o["created_at"]).date() for o in world.orders}
    hours = [ts(o["created_at"]).hour for o in world.orders]
    assert len(days) > 120
    assert sum(18 <= h <= 22 for h in hours) > 2 * sum(1 <= h <= 5 for h in hours)


def test_oracle_timing_conventions_agree_over_all_time(world: ShopWorld) -> None:
    event = oracle.totals(oracle.daily_sales(world.orders, "Europe/Berlin"))
    order = oracle.totals(oracle.daily_sales(world.orders, "Europe/Berlin", timing="order"))
    facts = oracle.totals(f for f in oracle.order_facts(world.orders, "Europe/Berlin").values() if f.valid)
    assert event == order  # invariant S6
    for key in ("gross_sales", "discounts", "returns", "net_sales", "shipping", "taxes", "total_sales"):
        assert event[key] == facts[key]


def test_money_totals_match_the_served_strings(world: ShopWorld) -> None:
    totals = oracle.money_totals(world.orders)
    assert totals["orders"] == len(world.orders)
    assert totals["total_price"] == sum((d(o["total_price"]) for o in world.orders), Decimal(0))
    assert totals["line_items_price_x_qty"] == sum((d(o["total_line_items_price"]) for o in world.orders), Decimal(0))
    assert totals["refund_transactions"] == totals["refund_subtotal"] + totals["refund_total_tax"]


# ----------------------------------------------------------------------------- mutation


def _without_customer(order: dict) -> dict:
    return {k: v for k, v in order.items() if k != "customer"}


def test_mutate_touches_exactly_what_it_reports() -> None:
    world = build_world(WorldSpec(orders=200, seed=21))
    for step in range(1, 4):
        before, old_now = world.snapshot(), world.now
        summary = world.mutate(step)
        after = world.snapshot()
        assert world.now.date() == old_now.date() + timedelta(days=1) == summary.day
        assert world.now.timetz().replace(tzinfo=None).isoformat() == "23:59:59"
        old = {o["id"]: o for o in before["orders"]}
        new = {o["id"]: o for o in after["orders"]}
        assert summary.new_order_ids and set(summary.new_order_ids) == set(new) - set(old)
        touched = set(summary.refunded_order_ids) | set(summary.edited_order_ids) | set(summary.cancelled_order_ids)
        changed = {i for i in old if _without_customer(old[i]) != _without_customer(new[i])}
        assert changed == touched
        for i in touched | set(summary.new_order_ids):
            assert old_now < ts(new[i]["updated_at"]) <= world.now
            assert ts(new[i]["updated_at"]).date() == summary.day
        for i in summary.cancelled_order_ids:
            assert new[i]["cancelled_at"] and not old[i]["cancelled_at"]
        for i in summary.refunded_order_ids:
            assert len(new[i]["refunds"]) == len(old[i]["refunds"]) + 1


def test_mutate_refunds_old_orders_and_keeps_updated_at_monotonic() -> None:
    world = build_world(WorldSpec(orders=200, seed=22))
    before = world.snapshot()
    old_now = world.now
    summary = world.mutate()
    ages = [world.now - ts(world.order(i)["created_at"]) for i in summary.refunded_order_ids]
    assert any(age > timedelta(days=30) for age in ages)
    after = world.snapshot()
    for kind in ("orders", "customers", "products"):
        prev = {x["id"]: x["updated_at"] for x in before[kind]}
        for x in after[kind]:
            if x["id"] in prev:
                assert ts(x["updated_at"]) >= ts(prev[x["id"]])
                if x["updated_at"] != prev[x["id"]]:
                    assert old_now < ts(x["updated_at"]) <= world.now
    touched = {c["id"] for c in after["customers"] if c["id"] not in {x["id"] for x in before["customers"]}
               or ts(c["updated_at"]) > old_now}
    assert set(summary.updated_customer_ids) == touched
    assert summary.updated_product_ids


def test_new_orders_land_in_the_new_day_with_its_offset() -> None:
    world = build_world(WorldSpec(orders=60, seed=2, end=date(2026, 10, 24)))  # next day: DST ends
    summary = world.mutate()
    assert summary.day == date(2026, 10, 25)
    assert world.now == datetime(2026, 10, 25, 23, 59, 59, tzinfo=BERLIN)
    for i in summary.new_order_ids:
        created = ts(world.order(i)["created_at"])
        assert created.astimezone(BERLIN).date() == date(2026, 10, 25)
        assert created.utcoffset() == created.astimezone(BERLIN).utcoffset()


# ----------------------------------------------------------------------------- scale


def test_20k_world_builds_quickly() -> None:
    started = time.perf_counter()
    world = build_world(WorldSpec(orders=20_000, seed=1))
    elapsed = time.perf_counter() - started
    assert len(world.orders) == 20_000
    assert elapsed < 15, f"20k orders took {elapsed:.1f}s"
    assert ts(world.orders[0]["created_at"]) >= datetime(2026, 6, 1, tzinfo=BERLIN)
    assert ts(world.orders[-1]["created_at"]) <= world.now
