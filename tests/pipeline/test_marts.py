"""fct_orders and daily_sales, built by dbt on DuckDB from data loaded through the generated dlt
source, equal an independent Python computation from the emulator's seed data (tests/oracle.py),
to the cent. A second round after the shop changed (new orders, late refunds, cancellations)
proves the marts follow the raw data."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests import oracle
from tests.pipeline.conftest import MARTS, TIMEZONE, Harness, make_harness

MONEY = ("gross_sales", "discounts", "returns", "net_sales", "shipping", "taxes", "total_sales")
COUNTS = ("orders", "units_sold", "units_returned", "customers_new", "customers_returning")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, runtime: Any) -> Iterator[Harness]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        for shop in make_harness(tmp_path_factory.mktemp("marts"), runtime, monkeypatch, orders=500, seed=11):
            shop.load()
            shop.load_rates()
            shop.load_ads()
            shop.results = shop.dbt_build()
            yield shop


def daily_rows(shop: Harness) -> dict[Any, dict[str, Any]]:
    columns = ("sales_date", *MONEY, *COUNTS, "aov")
    rows = shop.query(f"select {', '.join(columns)} from {MARTS}.daily_sales order by sales_date")
    return {row[0]: dict(zip(columns, row, strict=True)) for row in rows}


def assert_daily_sales_match(shop: Harness) -> None:
    expected = oracle.daily_sales(shop.emulator.world.orders, TIMEZONE)
    got = daily_rows(shop)
    # The mart also has zero days between events; every oracle day must be there and agree.
    assert set(expected) <= set(got)
    for day, want in expected.items():
        row = got[day]
        for column in MONEY + COUNTS:
            assert row[column] == getattr(want, column), (day, column)
        if want.aov is None:
            assert row["aov"] is None
        else:
            assert abs(row["aov"] - want.aov) < Decimal("0.000001"), day
    for day in set(got) - set(expected):
        assert all(got[day][column] == 0 for column in MONEY + COUNTS), day


def test_dbt_build_passes_every_test(built: Harness) -> None:
    assert set(built.results) == {"success", "pass"}, built.results
    assert built.results["pass"] >= 10  # key tests, relationships, accepted values, the reconciliation


def test_daily_sales_equal_the_oracle_to_the_cent(built: Harness) -> None:
    assert_daily_sales_match(built)


def test_fct_orders_equal_the_oracle_per_order(built: Harness) -> None:
    expected = {k: v for k, v in oracle.order_facts(built.emulator.world.orders, TIMEZONE).items() if v.valid}
    columns = ("order_id", "order_local_date", "customer_type", "customer_order_seq", "units_sold", *MONEY)
    rows = built.query(f"select {', '.join(columns)} from {MARTS}.fct_orders")
    got = {row[0]: dict(zip(columns, row, strict=True)) for row in rows}
    assert set(got) == set(expected)  # test, cancelled and voided orders are excluded
    for order_id, want in expected.items():
        row = got[order_id]
        assert row["order_local_date"] == want.order_local_date
        assert row["customer_type"] == want.customer_type
        assert row["customer_order_seq"] == want.customer_seq
        assert row["units_sold"] == want.units_sold
        for column in MONEY:
            assert row[column] == getattr(want, column), (order_id, column)


def test_the_world_has_what_the_definitions_are_about(built: Harness) -> None:
    """Guards the tests above against a too-simple world: the edge cases must actually occur."""
    orders = built.emulator.world.orders
    assert any(o["test"] for o in orders) and any(o["cancelled_at"] for o in orders)
    facts = oracle.order_facts(orders, TIMEZONE)
    assert any(f.customer_type == "returning" for f in facts.values())
    days = oracle.daily_sales(orders, TIMEZONE)
    assert any(row.net_sales < 0 for row in days.values()) or any(
        row.returns and row.orders == 0 for row in days.values())
    assert len({o["presentment_currency"] for o in orders}) >= 3


def test_marts_follow_changes_in_the_shop(built: Harness) -> None:
    built.emulator.world.mutate(1)
    built.emulator.world.mutate(2)
    built.load()
    built.dbt_build()
    assert_daily_sales_match(built)
    valid = sum(1 for f in oracle.order_facts(built.emulator.world.orders, TIMEZONE).values() if f.valid)
    assert built.scalar(f"select count(*) from {MARTS}.fct_orders") == valid


def test_configured_costs_land_as_exact_seeds(built: Harness) -> None:
    import csv
    from datetime import date

    from tests.pipeline.conftest import REPO

    with open(REPO / "config" / "costs" / "demo-store-cogs.csv", encoding="utf-8") as handle:
        expected = sorted((r["sku"], date.fromisoformat(r["valid_from"]), Decimal(r["cost"]), r["currency"])
                          for r in csv.DictReader(handle))
    assert built.query("select sku, valid_from, cost, currency from demo_store.cogs order by 1, 2") == expected
    fees = built.query("select coalesce(gateway, ''), percent, fixed, currency from demo_store.payment_fees order by 1")
    assert fees == [("", Decimal("2.9"), Decimal("0.35"), "EUR"),
                    ("shopify_payments", Decimal("2.1"), Decimal("0.25"), "EUR")]
