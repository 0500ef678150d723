"""Independent expected answers for the sales metrics of analytics-definitions §1.2-§1.8.

Written straight from the definitions, over raw Shopify REST order dicts (the
API JSON) and an IANA time zone name, in SHOP money: every amount is read from
``*_set.shop_money.amount`` strings, never from the float refund subtotals.
It deliberately imports nothing from ``generator/``, so a bug in the emulator
or in the generated pipeline cannot leak into the expected values.

Rules implemented (defaults of the definitions):

* valid order: not ``test``, ``cancelled_at`` is null, ``financial_status`` is
  not ``voided``, and not gift-card-only. Invalid orders drop out of every
  daily metric and of the customer sequence.
* order timestamp: ``processed_at`` (fallback ``created_at``); refund
  timestamp: the refund's ``processed_at`` (fallback ``created_at``); local
  dates through the zone database (DST-correct).
* ``event`` timing (default): sales on the order's local date, returns on
  each refund's local date. ``order`` timing restates refunds onto the order.
* customer key: ``customer.id``, else ``lower(trim(email))``; sequence over
  valid orders ordered by (UTC instant, order id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

ZERO = Decimal("0")
CustomerKey = int | str


def _shop(money_set: dict) -> Decimal:
    """The shop-currency amount of a ``*_set`` object."""
    return Decimal(money_set["shop_money"]["amount"])


def _instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp without UTC offset: {text!r}")
    return parsed.astimezone(UTC)


def order_instant(order: dict) -> datetime:
    """The order timestamp (processed_at, else created_at) as a UTC instant."""
    return _instant(order.get("processed_at") or order["created_at"])


def refund_instant(refund: dict) -> datetime:
    """The refund timestamp (processed_at, else created_at) as a UTC instant."""
    return _instant(refund.get("processed_at") or refund["created_at"])


def local_date(instant: datetime, tz: str) -> date:
    """The calendar date of an instant in the merchant's zone."""
    return instant.astimezone(ZoneInfo(tz)).date()


def is_valid(order: dict) -> bool:
    """§1.6: not test, not cancelled, not voided, not gift-card-only."""
    lines = order.get("line_items") or []
    gift_card_only = bool(lines) and all(line.get("gift_card") for line in lines)
    return (not order.get("test") and order.get("cancelled_at") is None
            and order.get("financial_status") != "voided" and not gift_card_only)


def customer_key(order: dict) -> CustomerKey | None:
    """§1.8: customer.id, else lower(trim(email)), else None."""
    customer = order.get("customer")
    if customer and customer.get("id") is not None:
        return customer["id"]
    email = (order.get("email") or "").strip().lower()
    return email or None


@dataclass(frozen=True)
class _Sale:
    gross: Decimal
    discounts: Decimal
    shipping: Decimal
    taxes: Decimal
    units: int


@dataclass(frozen=True)
class _Return:
    instant: datetime
    returns: Decimal
    taxes: Decimal
    units: int
    refunds_money: Decimal


def _sale(order: dict) -> _Sale:
    """The sale events of an order: product lines and shipping lines."""
    gross = discounts = taxes = ZERO
    units = 0
    for line in order.get("line_items") or []:
        if line.get("gift_card"):
            continue
        gross += _shop(line["price_set"]) * line["quantity"]
        discounts += sum((_shop(a["amount_set"]) for a in line.get("discount_allocations") or []), ZERO)
        taxes += sum((_shop(t["price_set"]) for t in line.get("tax_lines") or []), ZERO)
        units += line["quantity"]
    shipping = ZERO
    for ship in order.get("shipping_lines") or []:
        shipping += _shop(ship["price_set"])
        shipping -= sum((_shop(a["amount_set"]) for a in ship.get("discount_allocations") or []), ZERO)
        taxes += sum((_shop(t["price_set"]) for t in ship.get("tax_lines") or []), ZERO)
    return _Sale(gross, discounts, shipping, taxes, units)


def _return(order: dict, refund: dict) -> _Return:
    """The return events of one refund (goods and their tax; refund transactions as money)."""
    if refund.get("order_adjustments"):
        # Shipping refunds and refund discrepancies would arrive here; the
        # worlds this oracle checks have none, so refuse rather than guess.
        raise ValueError(f"refund {refund.get('id')} has order_adjustments; the oracle does not model them")
    gift = {line["id"] for line in order.get("line_items") or [] if line.get("gift_card")}
    returns = taxes = ZERO
    units = 0
    for rli in refund.get("refund_line_items") or []:
        if rli["line_item_id"] in gift:
            continue
        returns += _shop(rli["subtotal_set"])
        taxes += _shop(rli["total_tax_set"])
        units += rli["quantity"]
    money = sum((Decimal(t["amount"]) for t in refund.get("transactions") or []
                 if t.get("kind") == "refund" and t.get("status") == "success"), ZERO)
    return _Return(refund_instant(refund), returns, taxes, units, money)


@dataclass(frozen=True)
class OrderRow:
    """Order-level facts. Amounts are computed for every order; ``valid`` says whether they count."""

    order_id: int
    valid: bool
    order_ts_utc: datetime
    order_local_date: date
    gross_sales: Decimal
    discounts: Decimal
    returns: Decimal
    net_sales: Decimal
    shipping: Decimal
    taxes: Decimal
    total_sales: Decimal
    refunds_money: Decimal
    units_sold: int
    units_returned: int
    customer_key: CustomerKey | None
    customer_seq: int | None
    customer_type: str  # new, returning, unknown (no key) or excluded (invalid order)


def customer_sequences(orders: Iterable[dict]) -> dict[int, int]:
    """§1.8: order id -> position of the order in its customer's valid-order history."""
    by_key: dict[CustomerKey, list[tuple[datetime, int]]] = {}
    for order in orders:
        key = customer_key(order)
        if key is not None and is_valid(order):
            by_key.setdefault(key, []).append((order_instant(order), order["id"]))
    seq = {}
    for history in by_key.values():
        for n, (_, order_id) in enumerate(sorted(history), start=1):
            seq[order_id] = n
    return seq


def _customer_type(valid: bool, key: CustomerKey | None, seq: int | None) -> str:
    if not valid:
        return "excluded"
    if key is None:
        return "unknown"
    return "new" if seq == 1 else "returning"


def order_facts(orders: Iterable[dict], tz: str) -> dict[int, OrderRow]:
    """One OrderRow per order (lifetime returns), keyed by order id."""
    orders = list(orders)
    seqs = customer_sequences(orders)
    rows = {}
    for order in orders:
        sale, instant = _sale(order), order_instant(order)
        rets = [_return(order, r) for r in order.get("refunds") or []]
        returns = sum((r.returns for r in rets), ZERO)
        taxes = sale.taxes - sum((r.taxes for r in rets), ZERO)
        net = sale.gross - sale.discounts - returns
        valid, key = is_valid(order), customer_key(order)
        seq = seqs.get(order["id"])
        rows[order["id"]] = OrderRow(
            order["id"], valid, instant, local_date(instant, tz), sale.gross, sale.discounts, returns, net,
            sale.shipping, taxes, net + sale.shipping + taxes, sum((r.refunds_money for r in rets), ZERO),
            sale.units, sum(r.units for r in rets), key, seq, _customer_type(valid, key, seq))
    return rows


@dataclass
class DailyRow:
    """One local day of the daily sales facts (§1.3, event timing by default)."""

    day: date
    gross_sales: Decimal = ZERO
    discounts: Decimal = ZERO
    returns: Decimal = ZERO
    net_sales: Decimal = ZERO
    shipping: Decimal = ZERO
    taxes: Decimal = ZERO
    total_sales: Decimal = ZERO
    refunds_money: Decimal = ZERO
    orders: int = 0
    units_sold: int = 0
    units_returned: int = 0
    customers_new: int = 0
    customers_returning: int = 0
    aov: Decimal | None = None


def _add_sale(row: DailyRow, sale: _Sale) -> None:
    row.gross_sales += sale.gross
    row.discounts += sale.discounts
    row.shipping += sale.shipping
    row.taxes += sale.taxes
    row.units_sold += sale.units
    row.orders += 1


def _add_return(row: DailyRow, ret: _Return) -> None:
    row.returns += ret.returns
    row.taxes -= ret.taxes
    row.units_returned += ret.units
    row.refunds_money += ret.refunds_money


def _finish(row: DailyRow, new: set, returning: set) -> None:
    row.net_sales = row.gross_sales - row.discounts - row.returns
    row.total_sales = row.net_sales + row.shipping + row.taxes
    row.customers_new, row.customers_returning = len(new), len(returning)
    # Shopify's AOV since 2023: (gross - discounts) / orders, ignoring later returns.
    row.aov = (row.gross_sales - row.discounts) / row.orders if row.orders else None


def daily_sales(orders: Iterable[dict], tz: str, timing: str = "event") -> dict[date, DailyRow]:
    """Daily sales facts of the valid orders, keyed by local date (sorted)."""
    if timing not in ("event", "order"):
        raise ValueError("timing must be 'event' or 'order'")
    orders = list(orders)
    seqs = customer_sequences(orders)
    rows: dict[date, DailyRow] = {}
    customers: dict[date, tuple[set, set]] = {}

    def row(day: date) -> DailyRow:
        customers.setdefault(day, (set(), set()))
        return rows.setdefault(day, DailyRow(day))

    for order in filter(is_valid, orders):
        day = local_date(order_instant(order), tz)
        _add_sale(row(day), _sale(order))
        key, seq = customer_key(order), seqs.get(order["id"])
        if key is not None:
            customers[day][0 if seq == 1 else 1].add(key)
        for refund in order.get("refunds") or []:
            ret = _return(order, refund)
            _add_return(row(day if timing == "order" else local_date(ret.instant, tz)), ret)
    for day, r in rows.items():
        _finish(r, *customers[day])
    return dict(sorted(rows.items()))


def totals(rows: Iterable[DailyRow | OrderRow] | dict) -> dict[str, Decimal | int]:
    """Column sums of DailyRow or OrderRow values (aov and keys are skipped)."""
    values = list(rows.values()) if isinstance(rows, dict) else list(rows)
    out: dict[str, Decimal | int] = {}
    for row in values:
        for f in fields(row):
            value = getattr(row, f.name)
            if f.name in ("aov", "order_id", "customer_seq") or isinstance(value, bool):
                continue
            if isinstance(value, Decimal | int):
                out[f.name] = out.get(f.name, 0) + value
    return out


def money_totals(orders: Iterable[dict]) -> dict[str, Decimal | int]:
    """Raw sums over every order as served (no validity filter), from the shop-money strings."""
    out: dict[str, Decimal | int] = {k: ZERO for k in (
        "total_price", "subtotal_price", "total_tax", "total_discounts", "line_items_price_x_qty",
        "refund_subtotal", "refund_total_tax", "refund_transactions")}
    out.update(orders=0, line_items=0, refunds=0, refund_line_items=0)
    for order in orders:
        out["orders"] += 1
        for name in ("total_price", "subtotal_price", "total_tax", "total_discounts"):
            out[name] += _shop(order[f"{name}_set"])
        for line in order.get("line_items") or []:
            out["line_items"] += 1
            out["line_items_price_x_qty"] += _shop(line["price_set"]) * line["quantity"]
        for refund in order.get("refunds") or []:
            out["refunds"] += 1
            out["refund_transactions"] += sum((Decimal(t["amount"]) for t in refund.get("transactions") or []
                                               if t.get("kind") == "refund" and t.get("status") == "success"),
                                              ZERO)
            for rli in refund.get("refund_line_items") or []:
                out["refund_line_items"] += 1
                out["refund_subtotal"] += _shop(rli["subtotal_set"])
                out["refund_total_tax"] += _shop(rli["total_tax_set"])
    return out
