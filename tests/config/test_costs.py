"""Configured costs: the cost-of-goods CSV is validated cell by cell (file:line:column and the reason,
every problem in one run), and valid costs reach the model exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator.config import load_project
from tests.config.cases import AGENCY_YAML, build_tree

CSV = "config/costs/shop-cogs.csv"
STORE = """schema_version: 1
merchant: shop
display_name: Shop
timezone: Europe/Berlin
reporting_currency: EUR
start_date: "2026-06-01"
sandbox: true
sources:
  shopify:
    shop: shop
    access_token: secret:shop-token
costs:
  cogs:
    csv: costs/shop-cogs.csv
  payment_fees:
    - percent: 2.9
      fixed: 0.30
      currency: EUR
  shipping:
    per_unit: 0.40
    currency: EUR
"""
GOOD = ("sku,cost,currency,valid_from\nMUG-RED,4.20,EUR,2026-01-01\nMUG-RED,4.55,EUR,2026-09-01\n"
        "TEA,1.10,USD,2026-01-01\n")


def project(tmp_path: Path, csv_text: str | bytes | None, store: str = STORE):
    files = {"config/agency.yaml": AGENCY_YAML, "config/merchants/shop.yaml": store}
    if csv_text is not None:
        files[CSV] = csv_text
    build_tree(tmp_path, files)
    return load_project(tmp_path)


def test_valid_costs_reach_the_model_exactly(tmp_path: Path) -> None:
    costs = project(tmp_path, GOOD).merchants["shop"].costs
    assert [(r.sku, r.valid_from, r.cost, r.currency) for r in costs.cogs] == [
        ("MUG-RED", date(2026, 1, 1), Decimal("4.20"), "EUR"), ("MUG-RED", date(2026, 9, 1), Decimal("4.55"), "EUR"),
        ("TEA", date(2026, 1, 1), Decimal("1.10"), "USD")]
    assert costs.payment_fees[0].percent == Decimal("2.9") and costs.payment_fees[0].gateway is None
    assert costs.shipping.per_unit == Decimal("0.40") and costs.shipping.per_order == 0


@pytest.mark.parametrize(("csv_text", "line", "column", "key", "fragment"), [
    ("sku,price,currency,valid_from\nA,1,EUR,2026-01-01\n", 1, 1, "", "header must be exactly"),
    ("sku,cost,currency,valid_from\nA,abc,EUR,2026-01-01\n", 2, 3, "cost", "`abc` is not a cost"),
    ("sku,cost,currency,valid_from\nA,-1,EUR,2026-01-01\n", 2, 3, "cost", "`-1` is not a cost"),
    ("sku,cost,currency,valid_from\nA,1.00,eur,2026-01-01\n", 2, 8, "currency", "not an ISO 4217 currency"),
    ("sku,cost,currency,valid_from\nA,1.00,EUR,2026-13-01\n", 2, 12, "valid_from", "`2026-13-01` is not a date"),
    ("sku,cost,currency,valid_from\n,1.00,EUR,2026-01-01\n", 2, 1, "sku", "the SKU is empty"),
    ("sku,cost,currency,valid_from\nA,1.00,EUR\n", 2, 1, "", "expected 4 values, found 3"),
    ("sku,cost,currency,valid_from\nA,1,EUR,2026-01-01\nB,2,EUR,2026-01-01\nA,3,EUR,2026-01-01\n", 4, 1, "sku",
     "listed twice (first on line 2)"),
    (b"sku,cost,currency,valid_from\n\xff\xfe,1,EUR,2026-01-01\n", 1, 1, "", "not UTF-8"),
    (None, 1, 1, "", "does not exist"),
])
def test_a_bad_csv_is_located_and_explained(tmp_path: Path, csv_text, line, column, key, fragment) -> None:
    result = project(tmp_path, csv_text)
    assert "shop" in result.invalid and "shop" not in result.merchants
    assert [(i.file, i.line, i.column, i.key_path) for i in result.issues if fragment in i.message] == [
        (CSV, line, column, key)], [str(i) for i in result.issues]


def test_every_bad_row_is_reported_in_one_run(tmp_path: Path) -> None:
    text = "sku,cost,currency,valid_from\nA,x,EUR,2026-01-01\nB,1,EUR,2026-01-01\nC,2,XXX,2026-01-01\nD,3,EUR,nope\n"
    lines = sorted(i.line for i in project(tmp_path, text).issues)
    assert lines == [2, 4, 5]


def test_the_csv_path_cannot_leave_the_config_folder(tmp_path: Path) -> None:
    result = project(tmp_path, GOOD, STORE.replace("csv: costs/shop-cogs.csv", "csv: ../../etc/passwd.csv"))
    [issue] = [i for i in result.issues if i.key_path == "costs.cogs.csv"]
    assert issue.file == "config/merchants/shop.yaml" and issue.line == 14 and "expected form" in issue.message
