"""The Meta Ads Insights emulator against api-contracts §1.2 and §4."""

from __future__ import annotations

import errno
import json
import socket
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from generator.emulators.meta.server import MetaEmulator
from generator.emulators.meta.world import AccountSpec, MetaSpec, MetaWorld, build_meta_world

TOKEN = "EAAB-sandbox-token"
TIMEOUT = 5
PIXEL = "offsite_conversion.fb_pixel_purchase"
SPEC = MetaSpec(seed=11, start=date(2026, 6, 1), end=date(2026, 7, 15),
                accounts=(AccountSpec(), AccountSpec("act_1000002", "USD", "America/New_York", campaigns=1)))
JUNE = {"since": "2026-06-08", "until": "2026-06-21"}

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def world() -> MetaWorld:
    return build_meta_world(SPEC)


@pytest.fixture
def emu(world: MetaWorld) -> Iterator[MetaEmulator]:
    with MetaEmulator(world) as emulator:
        yield emulator


def insights(emu: MetaEmulator, account: str = "act_1000001", **params: object) -> requests.Response:
    params.setdefault("access_token", TOKEN)
    if isinstance(params.get("time_range"), dict):
        params["time_range"] = json.dumps(params["time_range"])
    return requests.get(f"{emu.graph_url}/{account}/insights", params=params, timeout=TIMEOUT)


def walk(first: requests.Response, **kwargs: object) -> list[dict]:
    """Follow paging.next exactly as dlt's JSONLinkPaginator does (the URL as given, no params)."""
    pages = [first]
    for _ in range(200):
        assert pages[-1].status_code == 200, pages[-1].text
        nxt = pages[-1].json().get("paging", {}).get("next")
        if not nxt:
            break
        pages.append(requests.get(nxt, timeout=TIMEOUT, **kwargs))
    return [row for page in pages for row in page.json()["data"]]


def error(resp: requests.Response) -> dict:
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["fbtrace_id"]
    return body["error"]


# ----------------------------------------------------------------------------- auth and errors


def test_auth_missing_wrong_and_both_token_carriers(emu: MetaEmulator) -> None:
    missing = requests.get(f"{emu.graph_url}/act_1000001/insights", timeout=TIMEOUT)
    assert missing.status_code == 400 and error(missing)["code"] == 104
    wrong = insights(emu, access_token="EAAB-wrong")
    assert wrong.status_code == 400
    assert error(wrong)["code"] == 190 and error(wrong)["type"] == "OAuthException"
    bearer_wrong = requests.get(f"{emu.graph_url}/act_1000001/insights", timeout=TIMEOUT,
                                headers={"Authorization": "Bearer nope"})
    assert bearer_wrong.status_code == 401 and error(bearer_wrong)["code"] == 190
    bearer = requests.get(f"{emu.graph_url}/act_1000001/insights", timeout=TIMEOUT,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 200 and insights(emu).status_code == 200


def test_unknown_account_and_bad_parameters_are_code_100(emu: MetaEmulator) -> None:
    unknown = insights(emu, account="act_999")
    assert unknown.status_code == 400 and error(unknown)["code"] == 100
    for params in ({"level": "creative"}, {"fields": "spend,bogus"}, {"time_range": "{\"since\":\"2026-06\"}"},
                   {"breakdowns": "country"}, {"time_increment": "weekly"}, {"date_preset": "last_2d"},
                   {"action_attribution_windows": "[\"2d_click\"]"}, {"limit": "0"}):
        resp = insights(emu, **params)
        assert resp.status_code == 400 and error(resp)["code"] == 100, params
    old = requests.get(f"{emu.base_url}/v19.0/act_1000001/insights", params={"access_token": TOKEN}, timeout=TIMEOUT)
    assert old.status_code == 400 and error(old)["code"] == 2635


def test_injected_rate_limit_is_http_400_code_17_with_usage_headers(emu: MetaEmulator) -> None:
    emu.inject(400, error_code=17, path_contains="/insights")
    resp = insights(emu)
    assert resp.status_code == 400
    err = error(resp)
    assert (err["code"], err["error_subcode"], err["type"]) == (17, 2446079, "OAuthException")
    assert err["message"].startswith("(#17)")
    app = json.loads(resp.headers["x-app-usage"])
    assert app["call_count"] == 100 and {"total_time", "total_cputime"} <= set(app)
    buc = json.loads(resp.headers["x-business-use-case-usage"])["1000001"][0]
    assert {"call_count", "total_time", "estimated_time_to_regain_access"} <= set(buc)
    assert "acc_id_util_pct" in json.loads(resp.headers["x-ad-account-usage"])
    assert insights(emu).status_code == 200  # count=1: the next call goes through


@pytest.mark.parametrize(("code", "subcode", "header"), [(80000, 2446079, "x-business-use-case-usage"),
                                                         (613, 1487742, "x-ad-account-usage"),
                                                         (4, 1504022, "x-app-usage")])
def test_other_rate_limit_codes(emu: MetaEmulator, code: int, subcode: int, header: str) -> None:
    emu.inject(400, error_code=code)
    resp = insights(emu)
    assert resp.status_code == 400 and (error(resp)["code"], error(resp)["error_subcode"]) == (code, subcode)
    assert "100" in resp.headers[header]


def test_injected_500_and_permission_errors(emu: MetaEmulator) -> None:
    emu.inject(500)
    resp = insights(emu)
    assert resp.status_code == 500
    err = error(resp)
    assert err["code"] == 1 and err["is_transient"] is True and err["type"] == "OAuthException"
    emu.inject(400, count=2, error_code=200)
    assert error(insights(emu))["code"] == 200 and error(insights(emu))["code"] == 200
    emu.inject(400, error_code=10)
    assert error(insights(emu))["code"] == 10
    assert insights(emu).status_code == 200


def test_injected_raw_body_and_delay(emu: MetaEmulator) -> None:
    emu.inject(502, body="<html>Bad Gateway</html>")
    resp = insights(emu)
    assert resp.status_code == 502 and resp.text == "<html>Bad Gateway</html>"
    emu.inject(200, delay=0.3)
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(f"{emu.graph_url}/act_1000001/insights", params={"access_token": TOKEN}, timeout=0.1)


def test_port_in_use_raises_oserror(emu: MetaEmulator, world: MetaWorld) -> None:
    with pytest.raises(OSError) as info:
        MetaEmulator(world, port=emu.port).start()
    assert info.value.errno == errno.EADDRINUSE
    with pytest.raises(ValueError):
        MetaEmulator(world, host="0.0.0.0")
    probe = socket.socket()
    assert probe.connect_ex(("127.0.0.1", emu.port)) == 0
    probe.close()


# ----------------------------------------------------------------------------- sync insights


def test_paging_next_urls_are_absolute_on_the_emulator_and_absent_on_the_last_page(
        emu: MetaEmulator, world: MetaWorld) -> None:
    first = insights(emu, level="ad", time_increment=1, time_range=JUNE, fields="ad_id,spend", limit=25)
    body = first.json()
    nxt = body["paging"]["next"]
    assert nxt.startswith(f"http://127.0.0.1:{emu.port}/v21.0/act_1000001/insights?")
    query = parse_qs(urlsplit(nxt).query)
    assert query["access_token"] == [TOKEN] and query["level"] == ["ad"] and query["limit"] == ["25"]
    assert query["time_range"] == [json.dumps(JUNE)] and query["after"] == [body["paging"]["cursors"]["after"]]
    assert body["paging"]["cursors"]["before"] == "MAZDZD"
    rows = walk(first)
    since, until = date(2026, 6, 8), date(2026, 6, 21)
    expected = {k: v for k, v in world.expected_daily("ad").items()
                if k[0] == "act_1000001" and since <= k[1] <= until}
    assert len(rows) == len(expected) > 25
    assert {(r["date_start"], r["ad_id"]) for r in rows} == {(k[1].isoformat(), k[2]) for k in expected}
    final = insights(emu, level="ad", time_increment=1, time_range=JUNE, limit=1000).json()
    assert len(final["data"]) == len(expected) and "next" not in final["paging"]


def test_level_campaign_aggregates_the_ad_rows_exactly(emu: MetaEmulator, world: MetaWorld) -> None:
    fields = "account_id,account_currency,campaign_id,campaign_name,spend,impressions,clicks,actions,action_values"
    rows = walk(insights(emu, level="campaign", time_increment=1, time_range=JUNE, fields=fields, limit=10))
    expected = world.expected_daily("campaign")
    assert len(rows) == len([k for k in expected if k[0] == "act_1000001"
                             and date(2026, 6, 8) <= k[1] <= date(2026, 6, 21)])
    ad_rows = walk(insights(emu, level="ad", time_increment=1, time_range=JUNE, fields="campaign_id,spend",
                            limit=500))
    for row in rows:
        key = ("act_1000001", date.fromisoformat(row["date_start"]), row["campaign_id"])
        want = expected[key]
        assert row["spend"] == str(want.spend) and row["impressions"] == str(want.impressions)
        assert row["clicks"] == str(want.clicks) and row["account_currency"] == "EUR"
        assert row["campaign_name"] == world.campaign(row["campaign_id"]).name
        actions = {a["action_type"]: int(a["value"]) for a in row.get("actions", [])}
        assert actions.get(PIXEL, 0) == want.action(PIXEL)
        values = {a["action_type"]: Decimal(a["value"]) for a in row.get("action_values", [])}
        assert values.get(PIXEL, Decimal(0)) == want.action_value(PIXEL)
        ad_spend = sum(Decimal(r["spend"]) for r in ad_rows
                       if r["campaign_id"] == row["campaign_id"] and r["date_start"] == row["date_start"])
        assert ad_spend == Decimal(row["spend"])
        assert "ad_id" not in row and "adset_id" not in row


def test_account_level_and_second_account_currency(emu: MetaEmulator, world: MetaWorld) -> None:
    rows = insights(emu, account="act_1000002", level="account", time_increment=1, time_range=JUNE,
                    fields="account_id,account_name,account_currency,spend", limit=100).json()["data"]
    expected = world.expected_daily("account")
    assert rows and all(r["account_id"] == "1000002" and r["account_currency"] == "USD" for r in rows)
    for row in rows:
        assert Decimal(row["spend"]) == expected[("act_1000002", date.fromisoformat(row["date_start"]))].spend
    total = insights(emu, account="act_1000002", time_range=JUNE, fields="spend").json()["data"]
    assert len(total) == 1 and (total[0]["date_start"], total[0]["date_stop"]) == (JUNE["since"], JUNE["until"])
    assert Decimal(total[0]["spend"]) == sum(Decimal(r["spend"]) for r in rows)


def test_time_range_is_inclusive_and_presets_follow_the_world_clock(emu: MetaEmulator, world: MetaWorld) -> None:
    one = insights(emu, level="ad", time_increment=1, time_range={"since": "2026-06-10", "until": "2026-06-10"},
                   limit=500).json()["data"]
    assert one and {(r["date_start"], r["date_stop"]) for r in one} == {("2026-06-10", "2026-06-10")}
    rows = walk(insights(emu, level="campaign", time_increment=1, time_range=JUNE, limit=100))
    assert min(r["date_start"] for r in rows) == JUNE["since"] and max(r["date_stop"] for r in rows) == JUNE["until"]
    yesterday = insights(emu, level="campaign", time_increment=1, date_preset="yesterday").json()["data"]
    assert {r["date_start"] for r in yesterday} == {world.end.isoformat()}
    assert insights(emu, date_preset="today").json() == {"data": []}
    week = walk(insights(emu, level="campaign", time_increment=1, date_preset="last_7d", limit=5))
    assert {r["date_start"] for r in week} <= {(world.end - timedelta(days=i)).isoformat() for i in range(7)}
    empty = insights(emu, time_range={"since": "2025-01-01", "until": "2025-01-31"})
    assert empty.json() == {"data": []}


def test_all_numbers_are_strings(emu: MetaEmulator) -> None:
    fields = ("account_id,campaign_id,adset_id,ad_id,spend,impressions,clicks,reach,ctr,cpc,cpm,frequency,"
              "actions,action_values,cost_per_action_type,purchase_roas")
    rows = insights(emu, level="ad", time_increment=1, time_range=JUNE, fields=fields, limit=200).json()["data"]
    assert rows
    for row in rows:
        for name, value in row.items():
            if isinstance(value, list):
                assert all(isinstance(v, str) for entry in value for v in entry.values()), name
            else:
                assert isinstance(value, str), name
        assert row["spend"].count(".") == 1 and len(row["spend"].split(".")[1]) == 2
        assert row["impressions"].isdigit() and row["account_id"] == "1000001"
    assert any(PIXEL in {a["action_type"] for a in r.get("actions", [])} for r in rows)


def test_attribution_windows_and_publisher_platform_breakdown(emu: MetaEmulator) -> None:
    params = {"level": "campaign", "time_increment": 1, "time_range": JUNE, "fields": "campaign_id,spend,actions",
              "limit": 1000}
    plain = insights(emu, **params).json()["data"]
    split = insights(emu, breakdowns="publisher_platform", **params).json()["data"]
    assert {r["publisher_platform"] for r in split} <= {"facebook", "instagram", "audience_network", "messenger"}
    assert len(split) > len(plain)
    for row in plain:
        parts = [r for r in split if (r["campaign_id"], r["date_start"]) == (row["campaign_id"], row["date_start"])]
        assert sum(Decimal(r["spend"]) for r in parts) == Decimal(row["spend"])
    windowed = insights(emu, action_attribution_windows='["1d_click","7d_click","28d_click","1d_view"]',
                        **params).json()["data"]
    stats = [a for r in windowed for a in r.get("actions", []) if a["action_type"] == PIXEL]
    assert stats
    for stat in stats:
        assert int(stat["value"]) == int(stat["7d_click"]) + int(stat["1d_view"])
        assert int(stat["1d_click"]) <= int(stat["7d_click"]) <= int(stat["28d_click"])
    assert all("7d_click" not in a for r in plain for a in r.get("actions", []))


def test_live_world_shows_new_and_restated_days(world: MetaWorld) -> None:
    local = build_meta_world(SPEC)
    with MetaEmulator(local) as emu:
        params = {"level": "campaign", "time_increment": 1, "fields": "campaign_id,spend,actions", "limit": 1000,
                  "time_range": {"since": "2026-07-01", "until": "2026-07-31"}}
        before = insights(emu, **params).json()["data"]
        local.advance()
        after = insights(emu, **params).json()["data"]
    assert {r["date_start"] for r in after} - {r["date_start"] for r in before} == {"2026-07-16"}
    settled = [r for r in after if "2026-07-09" <= r["date_start"] <= "2026-07-15"]
    assert settled != [r for r in before if r["date_start"] >= "2026-07-09"]  # late conversions restate the window
    assert [r for r in before if r["date_start"] < "2026-07-09"] == [r for r in after if r["date_start"] < "2026-07-09"]


# ----------------------------------------------------------------------------- async report runs


def poll(emu: MetaEmulator, run_id: str) -> dict:
    resp = requests.get(f"{emu.graph_url}/{run_id}", params={"access_token": TOKEN}, timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_async_run_lifecycle_then_paged_results_equal_sync(emu: MetaEmulator) -> None:
    params = {"level": "ad", "time_increment": "1", "time_range": json.dumps(JUNE),
              "fields": "ad_id,campaign_id,spend,impressions,actions"}
    created = requests.post(f"{emu.graph_url}/act_1000001/insights", data={**params, "access_token": TOKEN},
                            timeout=TIMEOUT)
    assert created.status_code == 200
    run_id = created.json()["report_run_id"]
    assert run_id.isdigit()
    assert emu.requests[-1].method == "POST" and emu.requests[-1].body["level"] == "ad"
    early = requests.get(f"{emu.graph_url}/{run_id}/insights", params={"access_token": TOKEN}, timeout=TIMEOUT)
    assert early.status_code == 400 and error(early)["code"] == 100
    seen = [poll(emu, run_id) for _ in range(4)]
    assert [s["async_status"] for s in seen] == ["Job Not Started", "Job Started", "Job Running", "Job Completed"]
    percents = [s["async_percent_completion"] for s in seen]
    assert percents == sorted(percents) and percents[-1] == 100 and seen[-1]["account_id"] == "1000001"
    first = requests.get(f"{emu.graph_url}/{run_id}/insights", params={"access_token": TOKEN, "limit": 30},
                         timeout=TIMEOUT)
    assert first.json()["paging"]["next"].startswith(f"http://127.0.0.1:{emu.port}/v21.0/{run_id}/insights?")
    results = walk(first)
    sync = walk(insights(emu, **params, limit=500))
    assert results == sync and len(results) > 30


def test_async_run_with_json_body_and_bearer_and_failed_job(emu: MetaEmulator) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    emu.fail_next_reports()
    created = requests.post(f"{emu.graph_url}/act_1000001/insights", headers=auth, timeout=TIMEOUT,
                            json={"level": "campaign", "time_range": JUNE, "time_increment": 1})
    assert created.status_code == 200
    assert emu.requests[-1].body == {"level": "campaign", "time_range": JUNE, "time_increment": 1}
    run_id = created.json()["report_run_id"]
    statuses = [requests.get(f"{emu.graph_url}/{run_id}", headers=auth, timeout=TIMEOUT).json() for _ in range(4)]
    assert statuses[-1]["async_status"] == "Job Failed"
    failed = requests.get(f"{emu.graph_url}/{run_id}/insights", headers=auth, timeout=TIMEOUT)
    assert failed.status_code == 400 and error(failed)["error_subcode"] == 2490547
    again = requests.post(f"{emu.graph_url}/act_1000001/insights", headers=auth, timeout=TIMEOUT,
                          json={"level": "campaign", "time_range": JUNE, "time_increment": 1}).json()
    statuses = [requests.get(f"{emu.graph_url}/{again['report_run_id']}", headers=auth, timeout=TIMEOUT).json()
                for _ in range(4)]
    assert statuses[-1]["async_status"] == "Job Completed"
    unknown = requests.get(f"{emu.graph_url}/6999", headers=auth, timeout=TIMEOUT)
    assert unknown.status_code == 400 and error(unknown)["code"] == 100


def test_request_log(emu: MetaEmulator) -> None:
    insights(emu, level="campaign")
    emu.inject(400, error_code=17)
    insights(emu)
    assert [(r.method, r.path, r.status) for r in emu.requests] == [
        ("GET", "/v21.0/act_1000001/insights", 200), ("GET", "/v21.0/act_1000001/insights", 400)]
    assert emu.requests[0].query["level"] == "campaign" and emu.requests[0].body is None
