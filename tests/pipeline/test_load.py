"""The generated dlt Shopify source against the emulator: exact rows and money, incremental merges,
pagination edge cases and rate-limit storms. Expectations come straight from the emulator's seed
data (the JSON it serves), never from the pipeline's own output."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.pipeline.conftest import RAW, Harness, make_harness


def expected_counts(world: Any) -> dict[str, int]:
    orders = world.orders
    return {
        "orders": len(orders),
        "orders__line_items": sum(len(o["line_items"]) for o in orders),
        "orders__refunds": sum(len(o["refunds"]) for o in orders),
        "orders__refunds__refund_line_items": sum(len(r["refund_line_items"]) for o in orders for r in o["refunds"]),
        "products": len(world.products),
        "customers": len(world.customers),
    }


def expected_money(world: Any) -> dict[str, Decimal]:
    orders = world.orders
    return {
        "total_price": sum((Decimal(o["total_price_set"]["shop_money"]["amount"]) for o in orders), Decimal(0)),
        "total_discounts": sum((Decimal(o["total_discounts"]) for o in orders), Decimal(0)),
        "line_price_x_qty": sum((Decimal(li["price"]) * li["quantity"] for o in orders for li in o["line_items"]),
                                Decimal(0)),
        "refund_subtotal": sum((Decimal(rl["subtotal_set"]["shop_money"]["amount"])
                                for o in orders for r in o["refunds"] for rl in r["refund_line_items"]), Decimal(0)),
    }


def loaded_counts(shop: Harness) -> dict[str, int]:
    return {table: shop.scalar(f"select count(*) from {RAW}.{table}") for table in expected_counts(shop.emulator.world)}


def loaded_money(shop: Harness) -> dict[str, Decimal]:
    money = "decimal(38, 9)"
    return {
        "total_price": shop.scalar(f"select sum(cast(total_price_set__shop_money__amount as {money})) "
                                   f"from {RAW}.orders"),
        "total_discounts": shop.scalar(f"select sum(cast(total_discounts as {money})) from {RAW}.orders"),
        "line_price_x_qty": shop.scalar(f"select sum(cast(price as {money}) * quantity) from {RAW}.orders__line_items"),
        "refund_subtotal": shop.scalar(f"select sum(cast(subtotal_set__shop_money__amount as {money})) "
                                       f"from {RAW}.orders__refunds__refund_line_items"),
    }


def test_first_load_has_every_row_and_every_cent(shop: Harness) -> None:
    rows = shop.load()

    assert loaded_counts(shop) == expected_counts(shop.emulator.world)
    assert loaded_money(shop) == expected_money(shop.emulator.world)
    assert rows["orders"] == len(shop.emulator.world.orders)
    # 600 orders at 250 per page: three pages, the later ones fetched by page_info alone
    order_pages = [r for r in shop.emulator.requests if r.path.endswith("/orders.json")]
    assert len(order_pages) == 3
    assert order_pages[0].query["status"] == "any"
    assert all(set(r.query) <= {"page_info", "limit"} for r in order_pages[1:])
    assert all(r.status == 200 for r in shop.emulator.requests)


def test_second_run_merges_edits_and_refunds_without_duplicates(shop: Harness) -> None:
    shop.load()
    before = {o["id"]: o for o in shop.emulator.world.snapshot()["orders"]}
    summary = shop.emulator.world.mutate(1)
    assert summary.new_order_ids and summary.refunded_order_ids

    rows = shop.load()

    world = shop.emulator.world
    assert loaded_counts(shop) == expected_counts(world)
    assert loaded_money(shop) == expected_money(world)
    changed = {o["id"] for o in world.orders
               if o["id"] not in before or o["updated_at"] != before[o["id"]]["updated_at"]}
    # Only changed orders plus the one-hour look-back window are read again, not the whole history.
    assert len(changed) <= rows["orders"] < len(world.orders) / 2
    duplicates = shop.scalar(f"select count(*) - count(distinct id) from {RAW}.orders")
    assert duplicates == 0
    for order_id in summary.refunded_order_ids:
        expected = sum(len(r["refund_line_items"]) for o in world.orders if o["id"] == order_id for r in o["refunds"])
        got = shop.scalar(f"select count(*) from {RAW}.orders__refunds__refund_line_items rl "
                          f"join {RAW}.orders__refunds r on rl._dlt_parent_id = r._dlt_id "
                          f"join {RAW}.orders o on r._dlt_parent_id = o._dlt_id where o.id = {order_id}")
        assert got == expected


def test_rerun_without_changes_reads_only_the_lookback_window(shop: Harness) -> None:
    shop.load()
    rows = shop.load()
    newest = max(o["updated_at"] for o in shop.emulator.world.orders)
    assert rows.get("orders", 0) < 50, newest
    assert loaded_counts(shop) == expected_counts(shop.emulator.world)


@pytest.fixture
def tiny_shop(tmp_path: Path, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    yield from make_harness(tmp_path, runtime, monkeypatch, orders=12, seed=3)


def test_single_page_without_link_header(tiny_shop: Harness) -> None:
    tiny_shop.load()
    assert loaded_counts(tiny_shop) == expected_counts(tiny_shop.emulator.world)
    assert len([r for r in tiny_shop.emulator.requests if r.path.endswith("/orders.json")]) == 1


@pytest.fixture
def throttled_shop(tmp_path: Path, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    # A bucket of 2 that leaks one call a second: the client overruns it and meets 429s again and again.
    yield from make_harness(tmp_path, runtime, monkeypatch, orders=600, seed=7,
                            emulator_options={"bucket_size": 2, "leak_per_second": 1.0})


@pytest.mark.timeout(240)
def test_429_storm_still_completes_exactly(throttled_shop: Harness) -> None:
    throttled_shop.emulator.inject(429, count=2, path_contains="orders.json")
    throttled_shop.load()

    statuses = [r.status for r in throttled_shop.emulator.requests]
    assert statuses.count(429) >= 2
    assert loaded_counts(throttled_shop) == expected_counts(throttled_shop.emulator.world)
    assert loaded_money(throttled_shop) == expected_money(throttled_shop.emulator.world)


def test_server_errors_are_retried(shop: Harness) -> None:
    shop.emulator.inject(503, count=2, path_contains="customers.json")
    shop.load()
    assert [r.status for r in shop.emulator.requests].count(503) == 2
    assert loaded_counts(shop) == expected_counts(shop.emulator.world)


def test_wrong_token_fails_without_retrying_forever(shop: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOMM_SECRET_DEMO_STORE_SHOPIFY_TOKEN", "shpat_not_the_right_one")
    with pytest.raises(Exception, match="401"):
        shop.load()
    assert len(shop.emulator.requests) <= 3


@pytest.fixture
def old_shop(tmp_path: Path, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    """Every order predates the store's start_date (2026-06-01), so orders.json answers an empty page."""
    from datetime import date

    yield from make_harness(tmp_path, runtime, monkeypatch, orders=20, seed=9,
                            start=date(2026, 1, 1), end=date(2026, 2, 28))


def test_empty_result_loads_nothing_and_does_not_fail(old_shop: Harness) -> None:
    rows = old_shop.load()
    assert "orders" not in rows
    orders_requests = [r for r in old_shop.emulator.requests if r.path.endswith("/orders.json")]
    assert len(orders_requests) == 1 and orders_requests[0].status == 200
    # products and customers are not bounded by start_date: all of them arrive
    assert old_shop.scalar(f"select count(*) from {RAW}.customers") == len(old_shop.emulator.world.customers)
