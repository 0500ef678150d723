# Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
"""Meta Ads Insights → dlt, for the store `demo-store`.

One row per day, ad account and ad: spend in the account's currency, impressions, clicks,
reach, and purchases under exactly one action type (Meta reports the same purchase as several types,
so summing them would count it two or three times). Every run re-reads the last 7
days, because conversions settle for days; rows merge on their key, so a restated day is replaced.
Long ranges (the first back-fill) go through an async report run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import dlt
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator
from requests import HTTPError

from ecomm_pipelines import runtime
from ecomm_pipelines.demo_store import settings

PRODUCTION_URL = 'https://graph.facebook.com'
API_VERSION = 'v21.0'
ACCOUNTS = ['act_1000001', 'act_1000002']
ACCESS_TOKEN = 'secret:demo-store-meta-token'
LEVEL = 'ad'
FIELDS = ['account_id', 'account_currency', 'campaign_id', 'campaign_name', 'adset_id', 'adset_name', 'ad_id', 'ad_name', 'spend', 'impressions', 'clicks', 'reach', 'actions', 'action_values']
PRIMARY_KEY = ['account_id', 'date', 'ad_id']
PURCHASE_ACTION_TYPE = 'offsite_conversion.fb_pixel_purchase'
START_DATE = '2026-06-01'
REPULL_DAYS = 7
ASYNC_AFTER_DAYS = 31
RATE_LIMIT_CODES = frozenset([4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009])
POLL_LIMIT_SECONDS = 1800
COLUMNS = {
    "spend": {"data_type": "decimal", "precision": 38, "scale": 9},
    "purchase_value": {"data_type": "decimal", "precision": 38, "scale": 9},
    "purchases": {"data_type": "decimal", "precision": 38, "scale": 9},
}


class MetaAdsError(RuntimeError):
    """A Graph API error that retrying cannot fix (token, permission, account)."""


def _rate_limited(response: Any, exception: BaseException | None) -> bool:
    # Meta signals rate limits as HTTP 400 with an error code; dlt retries only 429 and 5xx by itself.
    if response is None or response.status_code != 400:
        return False
    try:
        return response.json().get("error", {}).get("code") in RATE_LIMIT_CODES
    except ValueError:
        return False


def session() -> Any:
    """HTTP session with bounded retries: 429, 5xx and Meta's 400 rate limits, at most 6 tries."""
    client = Client(request_timeout=120, request_max_attempts=6, request_backoff_factor=2, request_max_retry_delay=60,
                    retry_condition=_rate_limited, raise_for_status=False)
    return client.session


@dlt.source(name="meta_ads")
def meta_ads(graph_url: str, access_token: str, start: date, today: date) -> Iterator[Any]:
    client = RESTClient(base_url=graph_url, headers={"Authorization": f"Bearer {access_token}"},
                        paginator=JSONLinkPaginator(next_url_path="paging.next"), session=session(),
                        data_selector="data")
    yield dlt.resource(_insights(client, start, today), name="insights_daily", primary_key=PRIMARY_KEY,
                       write_disposition="merge", columns=COLUMNS)


def _insights(client: RESTClient, start: date, today: date) -> Any:
    def rows(
        # dlt's documented way to declare an incremental cursor is a default argument; the lag re-reads
        # the settling days.
        day: Any = dlt.sources.incremental("date", initial_value=start, lag=REPULL_DAYS),  # noqa: B008
    ) -> Iterator[list[dict[str, Any]]]:
        since = max(start, date.fromisoformat(str(day.start_value)))
        for account in ACCOUNTS:
            for page in _pages(client, account, since, today):
                yield [_row(account, record) for record in page]

    return rows


def _pages(client: RESTClient, account: str, since: date, until: date) -> Iterator[list[dict[str, Any]]]:
    params = {"level": LEVEL, "fields": ",".join(FIELDS), "time_increment": "1", "limit": "500",
              "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()})}
    if (until - since).days <= ASYNC_AFTER_DAYS:
        yield from _checked(client.paginate(f"{API_VERSION}/{account}/insights", params=params), account)
        return
    run_id = _check(client.post(f"{API_VERSION}/{account}/insights", data=params), account)["report_run_id"]
    _wait(client, run_id, account)
    yield from _checked(client.paginate(f"{API_VERSION}/{run_id}/insights", params={"limit": "500"}), account)


def _wait(client: RESTClient, run_id: str, account: str) -> None:
    """Poll an async report run until it completes (bounded: POLL_LIMIT_SECONDS in all)."""
    waited, delay = 0.0, 1.0
    while waited < POLL_LIMIT_SECONDS:
        status = _check(client.get(f"{API_VERSION}/{run_id}"), account)
        if status.get("async_status") == "Job Completed":
            return
        if status.get("async_status") in ("Job Failed", "Job Skipped"):
            raise MetaAdsError(f"Meta report run {run_id} for {account} of store {settings.SLUG} failed; "
                               "the next run tries again")
        time.sleep(delay)
        waited, delay = waited + delay, min(delay * 2, 30.0)
    raise MetaAdsError(f"Meta report run {run_id} for {account} did not finish in {POLL_LIMIT_SECONDS} s")


def _checked(pages: Iterator[Any], account: str) -> Iterator[list[dict[str, Any]]]:
    """The pages, with an HTTP error that survived the retries turned into a message that says what to do."""
    try:
        yield from pages
    except HTTPError as err:
        if err.response is None:
            raise
        _check(err.response, account)
        raise


def _check(response: Any, account: str) -> dict[str, Any]:
    if response.status_code < 400:
        return response.json()
    error = response.json().get("error", {}) if "json" in response.headers.get("content-type", "") else {}
    code, message = error.get("code"), error.get("message", response.text[:200])
    advice = {190: "the access token is invalid or expired: issue a new system-user token and update the secret",
              10: "the token lacks the ads_read permission for this account",
              200: "the token lacks the ads_read permission for this account",
              100: "check the account id in the store's config"}.get(code, "see the message")
    raise MetaAdsError(f"Meta Ads {account} of store {settings.SLUG}: HTTP {response.status_code}, "
                       f"code {code}: {message} — {advice}")


def _row(account: str, record: dict[str, Any]) -> dict[str, Any]:
    row = {field: record.get(field) for field in FIELDS if field not in ("actions", "action_values")}
    row.update(
        account_id=account,
        date=date.fromisoformat(record["date_start"]),
        spend=Decimal(record.get("spend") or "0"),
        impressions=int(record.get("impressions") or 0),
        clicks=int(record.get("clicks") or 0),
        reach=int(record.get("reach") or 0),
        purchases=_action(record.get("actions"), PURCHASE_ACTION_TYPE),
        purchase_value=_action(record.get("action_values"), PURCHASE_ACTION_TYPE),
    )
    return row


def _action(items: list[dict[str, Any]] | None, action_type: str) -> Decimal:
    return sum((Decimal(i["value"]) for i in items or [] if i.get("action_type") == action_type), Decimal(0))


def load(today: date | None = None) -> dict[str, int]:
    """Load the configured ad accounts' daily insights into the store's raw Meta Ads dataset."""
    graph_url = runtime.endpoint("meta_ads", PRODUCTION_URL)
    today = today or date.today()
    source = meta_ads(graph_url, runtime.secret(ACCESS_TOKEN), date.fromisoformat(START_DATE), today)
    return runtime.run_pipeline(settings, "meta_ads", source)
