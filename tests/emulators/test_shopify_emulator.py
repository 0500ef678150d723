"""The Shopify Admin REST emulator against api-contracts §1.1/§3, and the oracle on hand-made orders."""

from __future__ import annotations

import errno
import re
import socket
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from generator.emulators.shopify.server import PAGINATION_DOC, ShopifyEmulator
from generator.emulators.shopify.world import ShopWorld, WorldSpec, build_world
from tests import oracle

TOKEN = "shpat_sandbox_emulator_token"
HEADERS = {"X-Shopify-Access-Token": TOKEN}
TIMEOUT = 5
LINK_URL = r"<http://127\.0\.0\.1:{port}/admin/api/2025-01/orders\.json\?limit=25&page_info=[A-Za-z0-9_-]+>"

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def world() -> ShopWorld:
    return build_world(WorldSpec(orders=300, seed=9))


@pytest.fixture
def emu(world: ShopWorld) -> Iterator[ShopifyEmulator]:
    with ShopifyEmulator(world) as emulator:
        yield emulator


def get(emu: ShopifyEmulator, path: str, params: dict | None = None, **kwargs: object) -> requests.Response:
    kwargs.setdefault("headers", HEADERS)
    kwargs.setdefault("timeout", TIMEOUT)
    return requests.get(f"{emu.admin_url()}/{path}", params=params, **kwargs)


def walk(emu: ShopifyEmulator, params: dict) -> list[requests.Response]:
    """Follow rel=next exactly as dlt's HeaderLinkPaginator does (no params after page 1)."""
    pages = [get(emu, "orders.json", params)]
    for _ in range(100):
        nxt = pages[-1].links.get("next")
        if not nxt:
            break
        pages.append(requests.get(nxt["url"], headers=HEADERS, timeout=TIMEOUT))
    return pages


# ----------------------------------------------------------------------------- auth, headers, errors


@pytest.mark.parametrize("headers", [{}, {"X-Shopify-Access-Token": "shpat_wrong"}])
def test_missing_or_wrong_token_is_401(emu: ShopifyEmulator, headers: dict) -> None:
    r = get(emu, "orders.json", headers=headers)
    assert r.status_code == 401
    assert r.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
    assert r.headers["X-Request-Id"] and r.headers["X-Shopify-Shop-Api-Call-Limit"].endswith("/40")


def test_every_response_carries_shopify_headers(emu: ShopifyEmulator) -> None:
    r = get(emu, "orders.json", {"limit": 1})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert re.fullmatch(r"\d+/40", r.headers["X-Shopify-Shop-Api-Call-Limit"])
    assert r.headers["X-Shopify-API-Version"] == "2025-01"
    assert r.headers["X-Request-Id"] != get(emu, "orders.json", {"limit": 1}).headers["X-Request-Id"]


def test_any_version_is_accepted_and_echoed(emu: ShopifyEmulator) -> None:
    r = requests.get(f"{emu.admin_url('2024-07')}/orders.json", params={"status": "any", "limit": 5},
                     headers=HEADERS, timeout=TIMEOUT)
    assert r.status_code == 200 and r.headers["X-Shopify-API-Version"] == "2024-07"
    assert "/admin/api/2024-07/orders.json?" in r.links["next"]["url"]


def test_unknown_paths_are_404(emu: ShopifyEmulator) -> None:
    for url in (f"{emu.admin_url()}/nothing.json", f"{emu.base_url}/admin/orders.json",
                f"{emu.admin_url()}/orders/123.json"):
        r = requests.get(url, headers=HEADERS, timeout=TIMEOUT)
        assert (r.status_code, r.json()) == (404, {"errors": "Not Found"})


# ----------------------------------------------------------------------------- filters


def test_status_defaults_to_open(emu: ShopifyEmulator, world: ShopWorld) -> None:
    default = get(emu, "orders.json", {"limit": 250, "fields": "id,cancelled_at,closed_at"}).json()["orders"]
    assert default and all(o["cancelled_at"] is None and o["closed_at"] is None for o in default)
    every = get(emu, "orders/count.json", {"status": "any"}).json()["count"]
    cancelled = get(emu, "orders/count.json", {"status": "cancelled"}).json()["count"]
    assert every == len(world.orders) and cancelled == sum(bool(o["cancelled_at"]) for o in world.orders) > 0
    assert get(emu, "orders/count.json").json()["count"] == len(default)


def test_single_page_and_empty_results_have_no_link(emu: ShopifyEmulator, world: ShopWorld) -> None:
    ids = ",".join(str(o["id"]) for o in world.orders[:5])
    r = get(emu, "orders.json", {"status": "any", "limit": 250, "ids": ids})
    assert len(r.json()["orders"]) == 5 and "Link" not in r.headers
    r = get(emu, "orders.json", {"status": "any", "created_at_min": "2030-01-01T00:00:00+01:00"})
    assert r.json() == {"orders": []} and "Link" not in r.headers


def test_updated_at_min_is_inclusive(emu: ShopifyEmulator, world: ShopWorld) -> None:
    pivot = sorted(world.orders, key=lambda o: datetime.fromisoformat(o["updated_at"]))[150]
    r = get(emu, "orders.json", {"status": "any", "limit": 250, "updated_at_min": pivot["updated_at"],
                                 "fields": "id,updated_at"})
    got = r.json()["orders"]
    cut = datetime.fromisoformat(pivot["updated_at"])
    expected = {o["id"] for o in world.orders if datetime.fromisoformat(o["updated_at"]) >= cut}
    assert pivot["id"] in {o["id"] for o in got} and {o["id"] for o in got} == expected
    utc = cut.astimezone(datetime.now().astimezone().tzinfo).isoformat()  # another offset, same instant
    assert get(emu, "orders/count.json", {"status": "any", "updated_at_min": utc}).json()["count"] == len(expected)


def test_time_filters_accept_z_dates_and_unencoded_plus(emu: ShopifyEmulator, world: ShopWorld) -> None:
    def count(**params: str) -> int:
        return get(emu, "orders/count.json", {"status": "any", **params}).json()["count"]

    day = world.orders[150]["processed_at"][:10]  # a summer day: Berlin is at +02:00
    assert world.orders[150]["processed_at"].endswith("+02:00")
    on_day = [o for o in world.orders if o["processed_at"].startswith(day)]
    start = datetime.fromisoformat(f"{day}T00:00:00+02:00").astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = datetime.fromisoformat(f"{day}T23:59:59+02:00").astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert count(processed_at_min=day, processed_at_max=f"{day}T23:59:59") == len(on_day)
    assert count(processed_at_min=start, processed_at_max=end) == len(on_day)
    raw = requests.get(f"{emu.admin_url()}/orders/count.json?status=any&processed_at_min={day}T00:00:00+02:00"
                       f"&processed_at_max={day}T23:59:59+02:00", headers=HEADERS, timeout=TIMEOUT)
    assert raw.json()["count"] == len(on_day)
    assert get(emu, "orders.json", {"created_at_min": "yesterday"}).status_code == 400


def test_since_id_returns_later_ids_ascending(emu: ShopifyEmulator, world: ShopWorld) -> None:
    since = world.orders[100]["id"]
    ids = [o["id"] for o in get(emu, "orders.json", {"status": "any", "since_id": since, "limit": 30}).json()["orders"]]
    assert ids == [o["id"] for o in world.orders[101:131]]


def test_fields_projects_top_level_keys(emu: ShopifyEmulator) -> None:
    r = get(emu, "orders.json", {"status": "any", "limit": 3, "fields": "id,total_price,refunds"})
    assert all(set(o) == {"id", "total_price", "refunds"} for o in r.json()["orders"])
    assert parse_qs(urlsplit(r.links["next"]["url"]).query)["fields"] == ["id,total_price,refunds"]


def test_limit_over_250_is_clamped_or_rejected(world: ShopWorld) -> None:
    with ShopifyEmulator(world) as emu:
        assert len(get(emu, "orders.json", {"status": "any", "limit": 500}).json()["orders"]) == 250
        assert len(get(emu, "orders.json", {"status": "any"}).json()["orders"]) == 50
    with ShopifyEmulator(world, over_limit="error") as emu:
        assert get(emu, "orders.json", {"status": "any", "limit": 251}).status_code == 400


def test_default_sort_is_id_desc_and_order_param_sorts(emu: ShopifyEmulator, world: ShopWorld) -> None:
    ids = [o["id"] for o in get(emu, "orders.json", {"status": "any", "limit": 10}).json()["orders"]]
    assert ids == sorted((o["id"] for o in world.orders), reverse=True)[:10]
    got = get(emu, "orders.json", {"status": "any", "limit": 250, "order": "created_at asc"}).json()["orders"]
    assert [o["id"] for o in got] == [o["id"] for o in world.orders[:250]]


# ----------------------------------------------------------------------------- pagination


def test_multi_page_walk_has_exact_link_headers(emu: ShopifyEmulator, world: ShopWorld) -> None:
    pages = walk(emu, {"status": "any", "limit": 25, "order": "updated_at asc"})
    assert len(pages) == 12  # 300 orders / 25
    url = LINK_URL.format(port=emu.port)
    assert re.fullmatch(f'{url}; rel="next"', pages[0].headers["Link"])
    for middle in pages[1:-1]:
        assert re.fullmatch(f'{url}; rel="previous", {url}; rel="next"', middle.headers["Link"])
    assert re.fullmatch(f'{url}; rel="previous"', pages[-1].headers["Link"])
    for page in pages[1:]:
        query = parse_qs(urlsplit(page.url).query)
        assert set(query) == {"limit", "page_info"} and page.url.startswith(f"http://127.0.0.1:{emu.port}/")
    orders = [o for page in pages for o in page.json()["orders"]]
    keys = [(datetime.fromisoformat(o["updated_at"]), o["id"]) for o in orders]
    assert keys == sorted(keys) and len({o["id"] for o in orders}) == len(world.orders)


def test_previous_link_returns_the_previous_page(emu: ShopifyEmulator) -> None:
    pages = walk(emu, {"status": "any", "limit": 25, "order": "updated_at asc"})
    back = requests.get(pages[3].links["previous"]["url"], headers=HEADERS, timeout=TIMEOUT)
    assert [o["id"] for o in back.json()["orders"]] == [o["id"] for o in pages[2].json()["orders"]]


def test_limit_may_change_between_pages(emu: ShopifyEmulator) -> None:
    first = get(emu, "orders.json", {"status": "any", "limit": 10})
    token = parse_qs(urlsplit(first.links["next"]["url"]).query)["page_info"][0]
    second = get(emu, "orders.json", {"page_info": token, "limit": 40})
    assert second.status_code == 200 and len(second.json()["orders"]) == 40


@pytest.mark.parametrize("param", ["status", "updated_at_min", "order"])
def test_filters_with_page_info_are_400(emu: ShopifyEmulator, param: str) -> None:
    first = get(emu, "orders.json", {"status": "any", "limit": 10})
    token = parse_qs(urlsplit(first.links["next"]["url"]).query)["page_info"][0]
    value = {"status": "any", "updated_at_min": "2026-06-01T00:00:00+02:00", "order": "id asc"}[param]
    r = get(emu, "orders.json", {"limit": 10, "page_info": token, param: value})
    assert r.status_code == 400
    assert r.json() == {"errors": {param: f"{param} cannot be passed when page_info is present. {PAGINATION_DOC}"}}
    assert PAGINATION_DOC == "See https://shopify.dev/api/usage/pagination-rest for more information."


def test_garbage_page_info_is_400(emu: ShopifyEmulator) -> None:
    assert get(emu, "orders.json", {"page_info": "not-a-cursor"}).status_code == 400


def test_pagination_is_stable_when_updated_at_ties() -> None:
    world = build_world(WorldSpec(orders=40, seed=4))
    for order in world.orders:  # every row shares one updated_at: only the id tie-break orders them
        order["updated_at"] = "2026-11-30T12:00:00+01:00"
    world.revision += 1
    with ShopifyEmulator(world) as emu:
        pages = walk(emu, {"status": "any", "limit": 7, "order": "updated_at asc"})
    ids = [o["id"] for page in pages for o in page.json()["orders"]]
    assert ids == sorted(o["id"] for o in world.orders)


def test_products_customers_and_refunds_endpoints(emu: ShopifyEmulator, world: ShopWorld) -> None:
    products = get(emu, "products.json", {"limit": 5})
    assert [p["id"] for p in products.json()["products"]] == [p["id"] for p in world.products[:5]]
    assert "next" in products.links
    customers = get(emu, "customers.json", {"limit": 250}).json()["customers"]
    assert len(customers) == min(250, len(world.customers))
    refunded = next(o for o in world.orders if o["refunds"])
    r = get(emu, f"orders/{refunded['id']}/refunds.json")
    assert [x["id"] for x in r.json()["refunds"]] == [x["id"] for x in refunded["refunds"]]
    one = get(emu, f"orders/{refunded['id']}.json", {"fields": "id,name"}).json()
    assert one == {"order": {"id": refunded["id"], "name": refunded["name"]}}
    items = get(emu, "inventory_items.json", {"ids": world.products[0]["variants"][0]["inventory_item_id"]})
    assert items.json()["inventory_items"][0]["cost"] == world.inventory_items[0]["cost"]


# ----------------------------------------------------------------------------- types


def test_money_is_strings_and_refund_lines_are_numbers(emu: ShopifyEmulator) -> None:
    orders = get(emu, "orders.json", {"status": "any", "limit": 250}).json()["orders"]
    money = re.compile(r"^\d+\.\d{2}$")
    for o in orders:
        for key in ("total_price", "subtotal_price", "total_tax", "total_discounts", "total_line_items_price"):
            assert money.match(o[key])
        assert money.match(o["total_shipping_price_set"]["presentment_money"]["amount"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", o["created_at"])
    lines = [x for o in orders for r in o["refunds"] for x in r["refund_line_items"]]
    assert lines and all(isinstance(x["subtotal"], float) and isinstance(x["total_tax"], float) for x in lines)
    assert all(isinstance(x["subtotal_set"]["shop_money"]["amount"], str) for x in lines)


# ----------------------------------------------------------------------------- rate limit and faults


def test_leaky_bucket_counts_throttles_and_recovers(world: ShopWorld) -> None:
    with ShopifyEmulator(world, bucket_size=5, leak_per_second=0.5) as emu:
        used = [get(emu, "orders.json", {"limit": 1, "fields": "id"}).headers["X-Shopify-Shop-Api-Call-Limit"]
                for _ in range(5)]
        assert used == ["1/5", "2/5", "3/5", "4/5", "5/5"]
        r = get(emu, "orders.json", {"limit": 1})
        assert r.status_code == 429 and r.headers["Retry-After"] == "2.0"
        assert r.json() == {"errors": "Exceeded 2 calls per second for api client. "
                                      "Reduce request rates to resume uninterrupted service."}
        assert r.headers["X-Shopify-Shop-Api-Call-Limit"] == "5/5"
        time.sleep(2.2)  # one call leaks out after 2 s
        assert get(emu, "orders.json", {"limit": 1}).status_code == 200
        emu.reset_bucket()
        assert get(emu, "orders.json", {"limit": 1}).headers["X-Shopify-Shop-Api-Call-Limit"] == "1/5"


def test_injected_errors_then_recovery(emu: ShopifyEmulator) -> None:
    emu.inject(500, count=2, path_contains="orders.json")
    emu.inject(429, path_contains="products.json")
    assert [get(emu, "orders.json").status_code for _ in range(3)] == [500, 500, 200]
    r = get(emu, "products.json")
    assert r.status_code == 429 and r.headers["Retry-After"] == "2.0"
    assert get(emu, "products.json").status_code == 200
    assert [x.status for x in emu.requests][-5:] == [500, 500, 200, 429, 200]


def test_injected_truncated_body(emu: ShopifyEmulator) -> None:
    emu.inject(200, body="truncated")
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        get(emu, "orders.json", {"status": "any"})
    emu.inject(200, body="invalid_json")
    r = get(emu, "orders.json", {"status": "any"})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    assert get(emu, "orders.json", {"status": "any"}).json()["orders"]


def test_injected_delay_causes_client_timeout(emu: ShopifyEmulator) -> None:
    emu.inject(200, delay=1.5)
    with pytest.raises(requests.exceptions.Timeout):
        get(emu, "orders.json", timeout=0.3)
    assert get(emu, "orders.json").status_code == 200


def test_requests_are_recorded(emu: ShopifyEmulator) -> None:
    get(emu, "orders.json", {"status": "any", "limit": 3})
    record = emu.requests[-1]
    assert (record.method, record.path, record.status) == ("GET", "/admin/api/2025-01/orders.json", 200)
    assert record.query == {"status": "any", "limit": "3"}


# ----------------------------------------------------------------------------- live world, ports


def test_mutations_show_up_through_the_api() -> None:
    world = build_world(WorldSpec(orders=80, seed=13))
    with ShopifyEmulator(world) as emu:
        before = get(emu, "orders/count.json", {"status": "any"}).json()["count"]
        since = (world.now + timedelta(seconds=1)).isoformat()
        summary = world.mutate()
        after = get(emu, "orders/count.json", {"status": "any"}).json()["count"]
        assert after == before + len(summary.new_order_ids)
        r = get(emu, "orders.json", {"status": "any", "updated_at_min": since, "limit": 250, "fields": "id"})
        touched = (set(summary.new_order_ids) | set(summary.refunded_order_ids) | set(summary.edited_order_ids)
                   | set(summary.cancelled_order_ids))
        assert {o["id"] for o in r.json()["orders"]} == touched


def test_port_in_use_raises_oserror(world: ShopWorld) -> None:
    with ShopifyEmulator(world) as first:
        with pytest.raises(OSError) as err:
            ShopifyEmulator(world, port=first.port).start()
        assert err.value.errno == errno.EADDRINUSE
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(OSError):
            ShopifyEmulator(world, port=sock.getsockname()[1]).start()


def test_start_stop_many_times_frees_ports(world: ShopWorld) -> None:
    emu = ShopifyEmulator(world)
    for _ in range(5):
        emu.start()
        session = requests.Session()  # a kept-alive connection must not block stop()
        assert session.get(f"{emu.admin_url()}/orders.json", headers=HEADERS, timeout=TIMEOUT).ok
        emu.stop()
        session.close()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{emu.admin_url()}/orders.json", headers=HEADERS, timeout=TIMEOUT)


def test_non_loopback_host_is_refused(world: ShopWorld) -> None:
    with pytest.raises(ValueError):
        ShopifyEmulator(world, host="0.0.0.0")


# ----------------------------------------------------------------------------- the oracle itself


def money(amount: str, currency: str = "EUR") -> dict:
    return {"shop_money": {"amount": amount, "currency_code": "EUR"},
            "presentment_money": {"amount": amount, "currency_code": currency}}


def hand_order(order_id: int, processed_at: str, *, customer_id: int | None = 1, email: str = "ana@example.com",
               qty: int = 2, price: str = "30.00", discount: str = "5.00", refunds: list | None = None,
               **extra: object) -> dict:
    """A minimal REST order, written by hand (the worked example of analytics-definitions §1.3)."""
    line = {"id": order_id * 10, "quantity": qty, "price": price, "price_set": money(price), "gift_card": False,
            "discount_allocations": [{"amount": discount, "amount_set": money(discount),
                                      "discount_application_index": 0}] if discount != "0.00" else [],
            "tax_lines": [{"price": "4.40", "price_set": money("4.40"), "rate": 0.08, "title": "VAT"}]}
    ship = {"price": "5.00", "price_set": money("5.00"), "discount_allocations": [],
            "tax_lines": [{"price": "0.50", "price_set": money("0.50"), "rate": 0.1, "title": "VAT"}]}
    order = {"id": order_id, "processed_at": processed_at, "created_at": processed_at, "test": False,
             "cancelled_at": None, "financial_status": "paid", "email": email,
             "customer": {"id": customer_id} if customer_id else None,
             "line_items": [line], "shipping_lines": [ship], "refunds": refunds or []}
    order.update(extra)
    return order


def mug_refund() -> dict:
    return {"id": 8001, "created_at": "2025-03-04T09:00:00+01:00", "processed_at": "2025-03-04T09:00:00+01:00",
            "order_adjustments": [],
            "refund_line_items": [{"line_item_id": 50010, "quantity": 1, "subtotal": 27.5, "total_tax": 2.2,
                                   "subtotal_set": money("27.50"), "total_tax_set": money("2.20")}],
            "transactions": [{"kind": "refund", "status": "success", "amount": "29.70", "currency": "EUR"}]}


def hand_orders() -> list[dict]:
    return [
        hand_order(5001, "2025-03-01T10:15:00+01:00", refunds=[mug_refund()]),
        # Same customer, 23:30 UTC = 00:30 in Berlin: the next local day, a returning order.
        hand_order(5002, "2025-03-01T23:30:00Z", qty=1, price="20.00", discount="0.00"),
        hand_order(5003, "2025-03-01T12:00:00+01:00", cancelled_at="2025-03-01T13:00:00+01:00"),
        hand_order(5004, "2025-03-01T12:00:00+01:00", test=True),
        hand_order(5005, "2025-03-02T08:00:00+01:00", customer_id=None, email="  Guest@Example.COM "),
    ]


def test_oracle_worked_example_event_timing() -> None:
    days = oracle.daily_sales(hand_orders()[:1], "Europe/Berlin")
    first, refund_day = days[date(2025, 3, 1)], days[date(2025, 3, 4)]
    assert (first.gross_sales, first.discounts, first.returns, first.net_sales) == (
        Decimal("60.00"), Decimal("5.00"), 0, Decimal("55.00"))
    assert (first.shipping, first.taxes, first.total_sales, first.orders) == (
        Decimal("5.00"), Decimal("4.90"), Decimal("64.90"), 1)
    assert first.aov == Decimal("55") and first.customers_new == 1
    assert (refund_day.net_sales, refund_day.taxes, refund_day.total_sales) == (
        Decimal("-27.50"), Decimal("-2.20"), Decimal("-29.70"))
    assert refund_day.refunds_money == Decimal("29.70") and refund_day.orders == 0 and refund_day.aov is None


def test_oracle_worked_example_order_timing() -> None:
    [day] = oracle.daily_sales(hand_orders()[:1], "Europe/Berlin", timing="order").values()
    assert (day.day, day.returns, day.net_sales, day.taxes, day.total_sales) == (
        date(2025, 3, 1), Decimal("27.50"), Decimal("27.50"), Decimal("2.70"), Decimal("35.20"))


def test_oracle_validity_sequence_and_local_dates() -> None:
    facts = oracle.order_facts(hand_orders(), "Europe/Berlin")
    assert [facts[i].customer_type for i in (5001, 5002, 5003, 5004, 5005)] == [
        "new", "returning", "excluded", "excluded", "new"]
    assert facts[5002].order_local_date == date(2025, 3, 2)
    assert facts[5005].customer_key == "guest@example.com"
    assert facts[5001].net_sales == Decimal("27.50") and facts[5001].units_returned == 1
    days = oracle.daily_sales(hand_orders(), "Europe/Berlin")
    assert days[date(2025, 3, 1)].orders == 1  # cancelled and test orders do not count
    second = days[date(2025, 3, 2)]
    assert (second.orders, second.customers_new, second.customers_returning) == (2, 1, 1)
    assert second.gross_sales == Decimal("80.00") and second.aov == Decimal("37.50")


def test_oracle_money_totals_on_hand_orders() -> None:
    totals = oracle.money_totals([dict(o, total_price_set=money("64.90"), subtotal_price_set=money("55.00"),
                                       total_tax_set=money("4.90"), total_discounts_set=money("5.00"))
                                  for o in hand_orders()[:1]])
    assert totals["line_items_price_x_qty"] == Decimal("60.00") and totals["refund_subtotal"] == Decimal("27.50")
    assert (totals["orders"], totals["line_items"], totals["refunds"], totals["refund_line_items"]) == (1, 1, 1, 1)
    assert totals["refund_transactions"] == Decimal("29.70")
