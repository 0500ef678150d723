"""Configured costs: the cost-of-goods CSV a store points at, validated row by row.

A CSV is data written by people too, so each bad cell is reported as file:line:column with the
reason, and every problem in the file is reported in one run.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from generator.config.schema import schema
from generator.errors import ConfigIssue
from generator.model import CogsRow

COLUMNS = ("sku", "cost", "currency", "valid_from")
MAX_BYTES = 5 * 1024 * 1024
CONFIG_DIR = "config"


def load_cogs(root: Path, relative: str) -> tuple[tuple[CogsRow, ...], list[ConfigIssue]]:
    """The rows of `config/<relative>`, sorted by (sku, valid_from), or the problems found in it."""
    display = f"{CONFIG_DIR}/{relative}"
    path = root / CONFIG_DIR / relative
    if not path.is_file():
        return (), [ConfigIssue(display, 1, 1, "", "the cost-of-goods file does not exist",
                                f"create {display} with the header {','.join(COLUMNS)}")]
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        return (), [ConfigIssue(display, 1, 1, "", f"the file is larger than {MAX_BYTES // 2**20} MB", "split it")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return (), [ConfigIssue(display, 1, 1, "", "the file is not UTF-8 text", "save it as UTF-8 CSV")]
    return _parse(display, text)


def _parse(display: str, text: str) -> tuple[tuple[CogsRow, ...], list[ConfigIssue]]:
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != list(COLUMNS):
        return (), [ConfigIssue(display, 1, 1, "", f"the header must be exactly `{','.join(COLUMNS)}`",
                                "put the column names on the first line, in this order")]
    rows, issues, seen = [], [], {}
    for record in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        row, problems = _row(display, number, lines[number - 1] if number <= len(lines) else "", record)
        issues += problems
        if row is not None:
            key = (row.sku, row.valid_from)
            if key in seen:
                issues.append(ConfigIssue(display, number, 1, "sku", f"`{row.sku}` from {row.valid_from} is listed "
                                          f"twice (first on line {seen[key]})", "keep one of the two rows"))
            seen.setdefault(key, number)
            rows.append(row)
    return (tuple(sorted(rows)) if not issues else ()), issues


def _row(display: str, number: int, line: str, record: list[str]) -> tuple[CogsRow | None, list[ConfigIssue]]:
    if len(record) != len(COLUMNS):
        return None, [ConfigIssue(display, number, 1, "", f"expected {len(COLUMNS)} values, found {len(record)}",
                                  f"write {','.join(COLUMNS)}, e.g. MUG-RED,4.20,EUR,2026-01-01")]
    sku, cost, currency, valid_from = (cell.strip() for cell in record)
    issues: list[ConfigIssue] = []

    def bad(column: str, message: str, hint: str) -> None:
        index = COLUMNS.index(column)
        issues.append(ConfigIssue(display, number, _column(line, index), column, message, hint))

    if not sku:
        bad("sku", "the SKU is empty", "write the product variant's SKU as in Shopify")
    amount = _decimal(cost)
    if amount is None or amount < 0:
        bad("cost", f"`{cost}` is not a cost", "write a number of at least 0 with a dot for decimals, e.g. 4.20")
    currencies = schema("merchant")["$defs"]["currency"]["enum"]
    if currency not in currencies:
        bad("currency", f"`{currency}` is not an ISO 4217 currency code", "write three capital letters, e.g. EUR")
    day = _date(valid_from)
    if day is None:
        bad("valid_from", f"`{valid_from}` is not a date", "write it as YYYY-MM-DD, e.g. 2026-01-31")
    if issues:
        return None, issues
    return CogsRow(sku, day, amount, currency), []


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _column(line: str, index: int) -> int:
    """1-based column where the index-th field starts (commas inside quotes are rare in these files)."""
    position = 0
    for _ in range(index):
        position = line.find(",", position) + 1
        if position == 0:
            return 1
    return position + 1
