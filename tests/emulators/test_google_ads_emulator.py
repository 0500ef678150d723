"""The Google Ads REST emulator against api-contracts §1.3, §2.3, §5 and §9."""

from __future__ import annotations

import math
import socket
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
import requests

from generator.emulators.google_ads.__main__ import main
from generator.emulators.google_ads.server import GaqlError, GoogleAdsEmulator, parse_gaql
from generator.emulators.google_ads.world import (
    US_CUSTOMER,
    CustomerSpec,
    GoogleAdsSpec,
    GoogleAdsWorld,
    build_google_ads_world,
)

TIMEOUT = 5
EU, US, MANAGER = "1234567890", "5550001234", "9876543210"
GRANT = {"grant_type": "refresh_token", "client_id": "sandbox-client", "client_secret": "sandbox-secret",
         "refresh_token": "sandbox-refresh"}
DAILY = ("SELECT customer.id, customer.currency_code, customer.time_zone, campaign.id, campaign.name, "
         "campaign.status, campaign.advertising_channel_type, segments.date, metrics.cost_micros, metrics.clicks, "
         "metrics.impressions, metrics.conversions, metrics.conversions_value FROM campaign "
         "WHERE segments.date BETWEEN '{start}' AND '{end}' ORDER BY segments.date, campaign.id")
FULL = DAILY.format(start="2026-06-01", end="2026-11-30")

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def world() -> GoogleAdsWorld:
    return build_google_ads_world(GoogleAdsSpec(customers=(CustomerSpec(), US_CUSTOMER)))


@pytest.fixture
def emu(world: GoogleAdsWorld) -> Iterator[GoogleAdsEmulator]:
    with GoogleAdsEmulator(world, page_size=100) as emulator:
        yield emulator


def token(emu: GoogleAdsEmulator) -> str:
    r = requests.post(emu.token_url, data=GRANT, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def headers(emu: GoogleAdsEmulator, customer: str = EU, access_token: str | None = None) -> dict[str, str]:
    out = {"Authorization": f"Bearer {access_token or token(emu)}"}
    if customer == EU:
        out["login-customer-id"] = MANAGER
    return out


def call(emu: GoogleAdsEmulator, body: dict, customer: str = EU, method: str = "search",
         hdrs: dict[str, str] | None = None, version: str = "v21") -> requests.Response:
    url = f"{emu.base_url}/{version}/customers/{customer}/googleAds:{method}"
    return requests.post(url, json=body, headers=hdrs if hdrs is not None else headers(emu, customer),
                         timeout=TIMEOUT)


def walk(emu: GoogleAdsEmulator, query: str, customer: str = EU) -> list[dict]:
    """Follow nextPageToken, repeating the identical query, as dlt's JSONResponseCursorPaginator does."""
    hdrs = headers(emu, customer)
    pages = [call(emu, {"query": query}, customer, hdrs=hdrs).json()]
    for _ in range(100):
        if "nextPageToken" not in pages[-1]:
            break
        pages.append(call(emu, {"query": query, "pageToken": pages[-1]["nextPageToken"]}, customer,
                          hdrs=hdrs).json())
    return pages


def as_expected(row: dict) -> tuple[tuple[str, date, int], dict]:
    """An API row as the world's expected_daily() key and value (cost through the micros string)."""
    m = row["metrics"]
    key = (row["customer"]["id"], date.fromisoformat(row["segments"]["date"]), int(row["campaign"]["id"]))
    return key, {"cost": Decimal(m["costMicros"]) / 10**6, "cost_micros": int(m["costMicros"]),
                 "clicks": int(m["clicks"]), "impressions": int(m["impressions"]),
                 "conversions": Decimal(str(m["conversions"])),
                 "conversions_value": Decimal(str(m["conversionsValue"])),
                 "currency": row["customer"]["currencyCode"], "time_zone": row["customer"]["timeZone"]}


def ads_error(r: requests.Response) -> dict:
    body = r.json()
    body = body[0] if isinstance(body, list) else body
    return body["error"]["details"][0]["errors"][0]


# ----------------------------------------------------------------------------- OAuth


def test_refresh_grant_returns_a_bearer_token(emu: GoogleAdsEmulator) -> None:
    r = requests.post(emu.token_url, data=GRANT, timeout=TIMEOUT)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    assert body["scope"] == "https://www.googleapis.com/auth/adwords"
    assert emu.token_url == emu.base_url + "/token"


@pytest.mark.parametrize("change, status, error", [
    ({"refresh_token": "revoked"}, 400, "invalid_grant"),
    ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
    ({"client_secret": "wrong"}, 401, "invalid_client"),
    ({"client_id": "unknown"}, 401, "invalid_client"),
])
def test_bad_grants_are_rejected(emu: GoogleAdsEmulator, change: dict, status: int, error: str) -> None:
    r = requests.post(emu.token_url, data={**GRANT, **change}, timeout=TIMEOUT)
    assert r.status_code == status and r.json()["error"] == error


@pytest.mark.parametrize("auth", [None, "Bearer ya29.not-issued", "Basic abc"])
def test_missing_or_unknown_token_is_401(emu: GoogleAdsEmulator, auth: str | None) -> None:
    hdrs = {"login-customer-id": MANAGER} | ({"Authorization": auth} if auth else {})
    r = call(emu, {"query": "SELECT customer.id FROM customer"}, hdrs=hdrs)
    assert r.status_code == 401
    error = r.json()["error"]
    assert error["code"] == 401 and error["status"] == "UNAUTHENTICATED" and error["message"]


def test_expired_tokens_get_401_until_the_client_refreshes(emu: GoogleAdsEmulator) -> None:
    hdrs = headers(emu)
    body = {"query": "SELECT customer.id FROM customer"}
    assert call(emu, body, hdrs=hdrs).status_code == 200
    emu.expire_tokens()
    r = call(emu, body, hdrs=hdrs)
    assert r.status_code == 401 and r.json()["error"]["status"] == "UNAUTHENTICATED"
    assert call(emu, body).status_code == 200  # a fresh token from /token works
    assert len(emu.issued_tokens) == 2


def test_token_ttl_expires_tokens(world: GoogleAdsWorld) -> None:
    with GoogleAdsEmulator(world, token_ttl=0) as emu:
        r = call(emu, {"query": "SELECT customer.id FROM customer"})
        assert r.status_code == 401


def test_requests_are_logged_with_headers_and_body(emu: GoogleAdsEmulator) -> None:
    call(emu, {"query": "SELECT customer.id FROM customer"})
    token_call, search = emu.requests[-2:]
    assert (token_call.path, token_call.status, token_call.body["grant_type"]) == ("/token", 200, "refresh_token")
    assert search.method == "POST" and search.path == "/v21/customers/1234567890/googleAds:search"
    assert search.headers["login-customer-id"] == MANAGER and search.headers["authorization"].startswith("Bearer ")
    assert search.body == {"query": "SELECT customer.id FROM customer"} and search.status == 200


# ----------------------------------------------------------------------------- access rules


@pytest.mark.parametrize("login", [None, "1111111111", EU])
def test_managed_customer_needs_the_manager_as_login_customer_id(emu: GoogleAdsEmulator, login: str | None) -> None:
    hdrs = {"Authorization": f"Bearer {token(emu)}"} | ({"login-customer-id": login} if login else {})
    r = call(emu, {"query": "SELECT customer.id FROM customer"}, hdrs=hdrs)
    assert r.status_code == 403 and r.json()["error"]["status"] == "PERMISSION_DENIED"
    assert ads_error(r)["errorCode"] == {"authorizationError": "USER_PERMISSION_DENIED"}


def test_direct_customer_needs_no_login_customer_id(emu: GoogleAdsEmulator) -> None:
    r = call(emu, {"query": "SELECT customer.id, customer.currency_code, customer.time_zone FROM customer"}, US)
    assert r.status_code == 200
    assert r.json()["results"] == [{"customer": {"resourceName": f"customers/{US}", "id": US, "currencyCode": "USD",
                                                 "timeZone": "America/New_York"}}]


def test_hyphenated_or_unknown_customer_ids_are_rejected(emu: GoogleAdsEmulator) -> None:
    hdrs = headers(emu)
    r = call(emu, {"query": "SELECT customer.id FROM customer"}, "123-456-7890", hdrs=hdrs)
    assert r.status_code == 400 and ads_error(r)["errorCode"] == {"requestError": "INVALID_CUSTOMER_ID"}
    assert call(emu, {"query": "SELECT customer.id FROM customer"}, "1000000001", hdrs=hdrs).status_code == 403


def test_developer_token_is_ignored_unless_strict(world: GoogleAdsWorld, emu: GoogleAdsEmulator) -> None:
    body = {"query": "SELECT customer.id FROM customer"}
    assert call(emu, body, hdrs={**headers(emu), "developer-token": "anything"}).status_code == 200
    with GoogleAdsEmulator(world, developer_token="dev-123") as strict:
        hdrs = headers(strict)
        r = call(strict, body, hdrs=hdrs)
        assert r.status_code == 400
        assert ads_error(r)["errorCode"] == {"requestError": "DEVELOPER_TOKEN_PARAMETER_MISSING"}
        assert call(strict, body, hdrs={**hdrs, "developer-token": "wrong"}).status_code == 401
        assert call(strict, body, hdrs={**hdrs, "developer-token": "dev-123"}).status_code == 200


def test_older_versions_are_unsupported_and_unknown_ones_missing(emu: GoogleAdsEmulator) -> None:
    hdrs = headers(emu)
    r = call(emu, {"query": "SELECT customer.id FROM customer"}, hdrs=hdrs, version="v19")
    assert r.status_code == 400 and ads_error(r)["errorCode"] == {"requestError": "UNSUPPORTED_VERSION"}
    assert call(emu, {"query": "SELECT customer.id FROM customer"}, hdrs=hdrs, version="v99").status_code == 404


# ----------------------------------------------------------------------------- search, paging, types


def test_search_pages_until_no_next_page_token_and_rows_equal_expected(emu: GoogleAdsEmulator,
                                                                       world: GoogleAdsWorld) -> None:
    pages = walk(emu, FULL)
    expected = {k: v for k, v in world.expected_daily().items() if k[0] == EU}
    assert len(pages) == math.ceil(len(expected) / 100) > 3
    assert all("nextPageToken" in p for p in pages[:-1]) and "nextPageToken" not in pages[-1]
    assert all(len(p["results"]) == 100 for p in pages[:-1])
    rows = [r for p in pages for r in p["results"]]
    got = dict(as_expected(r) for r in rows)
    assert len(got) == len(rows) and got == expected
    dates = [r["segments"]["date"] for r in rows]
    assert dates == sorted(dates)


def test_protojson_types_and_field_mask(emu: GoogleAdsEmulator) -> None:
    page = call(emu, {"query": FULL}).json()
    row = page["results"][0]
    assert isinstance(row["metrics"]["costMicros"], str) and row["metrics"]["costMicros"].isdigit()
    assert isinstance(row["metrics"]["clicks"], str) and isinstance(row["metrics"]["impressions"], str)
    assert isinstance(row["metrics"]["conversions"], float | int)
    assert isinstance(row["metrics"]["conversionsValue"], float | int)
    assert isinstance(row["campaign"]["id"], str) and isinstance(row["customer"]["id"], str)
    assert row["campaign"]["status"] in ("ENABLED", "PAUSED", "REMOVED")
    assert row["campaign"]["advertisingChannelType"] in ("SEARCH", "SHOPPING", "PERFORMANCE_MAX")
    assert row["campaign"]["resourceName"] == f"customers/{EU}/campaigns/{row['campaign']['id']}"
    assert page["fieldMask"].split(",")[:3] == ["customer.id", "customer.currencyCode", "customer.timeZone"]
    assert "metrics.costMicros" in page["fieldMask"] and "metrics.conversionsValue" in page["fieldMask"]
    assert page["queryResourceConsumption"].isdigit()


def test_page_token_needs_the_identical_query_and_page_size_is_rejected(emu: GoogleAdsEmulator) -> None:
    hdrs = headers(emu)
    first = call(emu, {"query": FULL}, hdrs=hdrs).json()
    other = DAILY.format(start="2026-06-01", end="2026-10-31")
    r = call(emu, {"query": other, "pageToken": first["nextPageToken"]}, hdrs=hdrs)
    assert r.status_code == 400 and ads_error(r)["errorCode"] == {"requestError": "INVALID_PAGE_TOKEN"}
    r = call(emu, {"query": FULL, "pageSize": 10}, hdrs=hdrs)
    assert r.status_code == 400 and "pageSize" in r.json()["error"]["message"]
    total = call(emu, {"query": FULL, "returnTotalResultsCount": True}, hdrs=hdrs).json()
    assert int(total["totalResultsCount"]) == sum(len(p["results"]) for p in walk(emu, FULL))


def test_empty_result_omits_results(emu: GoogleAdsEmulator, world: GoogleAdsWorld) -> None:
    query = DAILY.format(start="2025-01-01", end="2025-01-31")
    page = call(emu, {"query": query}).json()
    assert "results" not in page and "nextPageToken" not in page and page["fieldMask"]
    batches = call(emu, {"query": query}, method="searchStream").json()
    assert len(batches) == 1 and "results" not in batches[0] and "queryResourceConsumption" in batches[0]
    with GoogleAdsEmulator(world, empty_result="empty") as variant:
        assert call(variant, {"query": query}).json()["results"] == []


def test_search_stream_batches_equal_search_results(emu: GoogleAdsEmulator) -> None:
    r = call(emu, {"query": FULL}, method="searchStream")
    assert r.status_code == 200
    batches = r.json()
    assert isinstance(batches, list) and len(batches) > 1
    assert all(len(b["results"]) == 100 for b in batches[:-1])
    assert "queryResourceConsumption" in batches[-1]
    assert all("queryResourceConsumption" not in b and b["requestId"] for b in batches[:-1])
    streamed = [row for b in batches for row in b["results"]]
    assert streamed == [row for p in walk(emu, FULL) for row in p["results"]]


def test_from_customer_gives_account_totals(emu: GoogleAdsEmulator, world: GoogleAdsWorld) -> None:
    query = ("SELECT customer.id, customer.currency_code, segments.date, metrics.cost_micros, metrics.clicks, "
             "metrics.impressions, metrics.conversions, metrics.conversions_value FROM customer "
             "WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-30'")
    rows = [r for p in walk(emu, query, US) for r in p.get("results", [])]
    expected: dict[str, list[Decimal]] = {}
    for (cid, day, _), v in world.expected_daily().items():
        if cid == US and day.month == 11:
            acc = expected.setdefault(day.isoformat(), [Decimal(0)] * 5)
            for i, name in enumerate(("cost", "clicks", "impressions", "conversions", "conversions_value")):
                acc[i] += v[name]
    got = {r["segments"]["date"]: [Decimal(r["metrics"]["costMicros"]) / 10**6, int(r["metrics"]["clicks"]),
                                   int(r["metrics"]["impressions"]), Decimal(str(r["metrics"]["conversions"])),
                                   Decimal(str(r["metrics"]["conversionsValue"]))] for r in rows}
    assert got == expected and len(got) == 30
    assert all("campaign" not in r and r["customer"]["currencyCode"] == "USD" for r in rows)
    total = call(emu, {"query": "SELECT metrics.cost_micros FROM customer "
                                "WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-30'"}, US).json()["results"]
    assert len(total) == 1 and Decimal(total[0]["metrics"]["costMicros"]) / 10**6 == sum(v[0] for v in got.values())


def test_status_filter_excludes_removed_campaigns(emu: GoogleAdsEmulator, world: GoogleAdsWorld) -> None:
    query = FULL.replace(" ORDER BY", " AND campaign.status != 'REMOVED' ORDER BY")
    rows = [r for p in walk(emu, query) for r in p["results"]]
    removed = {c.id for c in world.campaigns[EU] if c.status == "REMOVED"}
    assert removed and rows and not {int(r["campaign"]["id"]) for r in rows} & removed
    campaigns = call(emu, {"query": "SELECT campaign.id, campaign.name FROM campaign "
                                    "WHERE campaign.status IN ('ENABLED', 'PAUSED') ORDER BY campaign.name"}).json()
    names = [r["campaign"]["name"] for r in campaigns["results"]]
    assert names == sorted(c.name for c in world.campaigns[EU] if c.status != "REMOVED")


def test_world_changes_show_up_live() -> None:
    world = build_google_ads_world(GoogleAdsSpec(end=date(2026, 6, 30)))
    with GoogleAdsEmulator(world) as emu:
        query = DAILY.format(start="2026-06-25", end="2026-07-01")
        before = dict(as_expected(r) for r in call(emu, {"query": query}).json()["results"])
        world.advance()
        after = dict(as_expected(r) for r in call(emu, {"query": query}).json()["results"])
    assert {k[1] for k in after} - {k[1] for k in before} == {date(2026, 7, 1)}
    assert any(after[k]["conversions"] > before[k]["conversions"] for k in before)


# ----------------------------------------------------------------------------- GAQL errors


@pytest.mark.parametrize("query, code", [
    ("SELECT metrics.cost_micro FROM campaign", "UNRECOGNIZED_FIELD"),
    ("SELECT campaign.id FROM ad_group", "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE"),
    ("SELECT campaign.id FROM customer", "PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE"),
    ("SELECT segments.date, metrics.clicks FROM campaign", "EXPECTED_FILTERS_ON_DATE_RANGE"),
    ("SELECT campaign.id FROM campaign WHERE campaign.status = 'LIVE'", "BAD_ENUM_CONSTANT"),
    ("SELECT campaign.id FROM campaign WHERE segments.date DURING LAST_7_DAYS", "BAD_OPERATOR"),
    ("SELECT campaign.id campaign.name FROM campaign", "EXPECTED_FROM"),
    ("campaign.id FROM campaign", "EXPECTED_SELECT"),
])
def test_bad_gaql_is_400_with_a_google_ads_failure(emu: GoogleAdsEmulator, query: str, code: str) -> None:
    r = call(emu, {"query": query})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["@type"] == "type.googleapis.com/google.ads.googleads.v21.errors.GoogleAdsFailure"
    assert ads_error(r)["errorCode"] == {"queryError": code}
    stream = call(emu, {"query": query}, method="searchStream")
    assert stream.status_code == 400 and isinstance(stream.json(), list) and "error" in stream.json()[0]


def test_parse_gaql_subset() -> None:
    q = parse_gaql("select campaign.id, metrics.clicks from campaign where segments.date between '2026-06-01' "
                   "and '2026-06-07' and metrics.clicks > 10 order by metrics.clicks desc limit 5")
    assert q.select == ("campaign.id", "metrics.clicks") and q.resource == "campaign" and q.limit == 5
    assert [c.op for c in q.where] == ["BETWEEN", ">"] and q.order_by == (("metrics.clicks", True),)
    with pytest.raises(GaqlError):
        parse_gaql("SELECT campaign.name FROM campaign WHERE campaign.name = 'unterminated")


# ----------------------------------------------------------------------------- faults, quota, lifecycle


def test_quota_429_carries_retry_delay(emu: GoogleAdsEmulator) -> None:
    hdrs = headers(emu)
    emu.inject(429, retry_delay_seconds=2, path_contains="googleAds")
    r = call(emu, {"query": FULL}, hdrs=hdrs)
    assert r.status_code == 429
    error = r.json()["error"]
    assert error["code"] == 429 and error["status"] == "RESOURCE_EXHAUSTED"
    failure, retry_info = error["details"]
    assert failure["errors"][0]["errorCode"]["quotaError"] in ("RESOURCE_EXHAUSTED", "RESOURCE_TEMPORARILY_EXHAUSTED")
    assert failure["errors"][0]["details"]["quotaErrorDetails"]["retryDelay"] == "2s"
    assert retry_info == {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}
    assert call(emu, {"query": FULL}, hdrs=hdrs).status_code == 200  # one fault only


def test_quota_error_on_search_stream_is_wrapped_in_an_array(emu: GoogleAdsEmulator) -> None:
    hdrs = headers(emu)
    emu.inject(429, retry_delay_seconds=1.5, path_contains=":searchStream")
    r = call(emu, {"query": FULL}, method="searchStream", hdrs=hdrs)
    assert r.status_code == 429 and r.json()[0]["error"]["details"][1]["retryDelay"] == "1.500s"


@pytest.mark.parametrize("status, name", [(500, "INTERNAL"), (503, "UNAVAILABLE")])
def test_server_errors_use_the_google_shape(emu: GoogleAdsEmulator, status: int, name: str) -> None:
    hdrs = headers(emu)
    emu.inject(status, count=2, path_contains="googleAds")
    for _ in range(2):
        r = call(emu, {"query": FULL}, hdrs=hdrs)
        assert r.status_code == status
        assert r.json() == {"error": {"code": status, "message": r.json()["error"]["message"], "status": name}}
    assert call(emu, {"query": FULL}, hdrs=hdrs).status_code == 200


def test_truncated_body_and_slow_answers(emu: GoogleAdsEmulator) -> None:
    hdrs = headers(emu)
    emu.inject(200, body="invalid_json", path_contains="googleAds")
    r = call(emu, {"query": FULL}, hdrs=hdrs)
    with pytest.raises(ValueError):
        r.json()
    emu.inject(200, body="truncated", path_contains="googleAds")
    with pytest.raises(requests.exceptions.RequestException):
        call(emu, {"query": FULL}, hdrs=hdrs)
    emu.inject(200, delay=0.5, path_contains="googleAds")
    with pytest.raises(requests.exceptions.Timeout):
        requests.post(f"{emu.api_url}/customers/{EU}/googleAds:search", json={"query": FULL}, headers=hdrs,
                      timeout=0.2)


def test_port_in_use_raises_oserror(world: GoogleAdsWorld) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(OSError):
            GoogleAdsEmulator(world, port=sock.getsockname()[1]).start()


def test_binds_to_loopback_only_and_restarts_on_the_same_port(world: GoogleAdsWorld) -> None:
    with pytest.raises(ValueError):
        GoogleAdsEmulator(world, host="0.0.0.0")
    emu = GoogleAdsEmulator(world).start()
    port = emu.port
    assert emu.base_url == f"http://127.0.0.1:{port}" and emu.api_url.endswith("/v21")
    emu.stop()
    with GoogleAdsEmulator(world, port=port) as again:
        assert requests.post(again.token_url, data=GRANT, timeout=TIMEOUT).status_code == 200


def test_main_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0 and "--port" in capsys.readouterr().out
