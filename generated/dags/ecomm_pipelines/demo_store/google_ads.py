# Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
"""Google Ads API (REST) → dlt, for the store `demo-store`.

One row per customer, campaign and day (the customer's own calendar day and currency), merged on
(customer_id, campaign_id, date). Google keeps revising the conversions of recent days, so every run
loads the last 3 days again; merging makes that re-read replace rows, never double them.
Access goes through an OAuth refresh token: a fresh access token is fetched at the start of a run and
again whenever the API answers 401 (tokens expire after an hour, long runs outlive them).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import dlt
from dlt.sources.helpers import requests
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.paginators import JSONResponseCursorPaginator

from ecomm_pipelines import runtime
from ecomm_pipelines.demo_store import settings

PRODUCTION_URL = 'https://googleads.googleapis.com'
PRODUCTION_TOKEN_URL = 'https://oauth2.googleapis.com/token'
API_VERSION = 'v21'
CUSTOMER_IDS = ['1234567890']
LOGIN_CUSTOMER_ID = '9876543210'
CLIENT_ID = 'secret:demo-store-google-client-id'
CLIENT_SECRET = 'secret:demo-store-google-client-secret'
REFRESH_TOKEN = 'secret:demo-store-google-refresh-token'
DEVELOPER_TOKEN = None
START_DATE = '2026-06-01'
REPULL_DAYS = 3
FIELDS = ['customer.id', 'customer.currency_code', 'customer.time_zone', 'campaign.id', 'campaign.name', 'campaign.status', 'segments.date', 'metrics.cost_micros', 'metrics.clicks', 'metrics.impressions', 'metrics.conversions', 'metrics.conversions_value']
COLUMNS = {
    "customer_id": {"data_type": "bigint", "nullable": False},
    "currency_code": {"data_type": "text", "nullable": False},
    "time_zone": {"data_type": "text", "nullable": False},
    "campaign_id": {"data_type": "bigint", "nullable": False},
    "campaign_name": {"data_type": "text", "nullable": True},
    "campaign_status": {"data_type": "text", "nullable": True},
    "date": {"data_type": "date", "nullable": False},
    "cost_micros": {"data_type": "bigint", "nullable": False},
    # Micros are millionths of the currency unit: six decimals hold every cost exactly.
    "cost": {"data_type": "decimal", "precision": 38, "scale": 6, "nullable": False},
    "clicks": {"data_type": "bigint", "nullable": False},
    "impressions": {"data_type": "bigint", "nullable": False},
    "conversions": {"data_type": "decimal", "precision": 38, "scale": 9, "nullable": False},
    "conversions_value": {"data_type": "decimal", "precision": 38, "scale": 9, "nullable": False},
}
NINE_PLACES = Decimal("1e-9")

REQUEST_TIMEOUT = 120  # one page is at most 10,000 rows
MAX_ATTEMPTS = 6  # per request, for 429, 5xx, cut connections and broken JSON
MAX_REFRESHES = 2  # per request: a token refused right after a refresh will not be accepted later
MAX_WAIT_SECONDS = 600  # quota back-off per request; past it the quota will not recover within this run
MAX_BACKOFF_SECONDS = 32
RETRY_DELAY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)s$")  # a protobuf Duration in JSON: "30s", "1.500s"
CUSTOMER_IN_PATH = re.compile(r"/customers/([0-9]+)/")
# dlt's default response hook raises on the first error status; GoogleAdsSession.send decides instead.
NO_RESPONSE_HOOKS: dict[str, list[Any]] = {"response": []}


class GoogleAdsError(RuntimeError):
    """A failure that retrying will not fix; the message says what to change."""


class GoogleAdsSession(requests.Session):
    """The API's session: bearer token, token refresh on 401, and bounded retries.

    Retries live here, below dlt's paginator, so that a retried page continues the same page token
    and a refreshed token goes out on the very request that was refused.
    """

    def __init__(self, token_url: str, grant: dict[str, str]) -> None:
        super().__init__(timeout=REQUEST_TIMEOUT, raise_for_status=False)
        self.token_url, self.grant = token_url, grant
        self.access_token: str | None = None

    def send(self, request: Any, **kwargs: Any) -> requests.Response:
        refreshes, waited, response = 0, 0.0, None
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if self.access_token is None:
                self.access_token = _access_token(self.token_url, self.grant)
            request.headers["Authorization"] = f"Bearer {self.access_token}"
            response = self._attempt(request, **kwargs)
            if response is not None and response.status_code == 401 and refreshes < MAX_REFRESHES:
                refreshes += 1
                self.access_token = None
                continue
            if response is not None and not _retryable(response):
                return _checked(response, request.url)
            delay = _delay(response, attempt)
            if attempt == MAX_ATTEMPTS or waited + delay > MAX_WAIT_SECONDS:
                break
            time.sleep(delay)
            waited += delay
        raise GoogleAdsError(_gave_up(response, request.url, waited))

    def _attempt(self, request: Any, **kwargs: Any) -> requests.Response | None:
        """The response, or None when the connection broke or the body is cut off."""
        try:
            response = super().send(request, **kwargs)
            if response.ok:
                response.json()  # a body cut mid-way is a transport failure: send the request again
            return response
        except (requests.ConnectionError, requests.Timeout, requests.ChunkedEncodingError, ValueError):
            return None


def _access_token(token_url: str, grant: dict[str, str]) -> str:
    """A fresh access token from the OAuth refresh-token grant."""
    http = requests.Client(request_timeout=30, request_max_attempts=5, request_backoff_factor=1,
                  request_max_retry_delay=30, raise_for_status=False).session
    response = http.post(token_url, data={"grant_type": "refresh_token", **grant})
    if response.ok:
        return str(response.json()["access_token"])
    error = _json(response).get("error", "")
    if error in ("invalid_grant", "invalid_client", "unauthorized_client"):
        where = REFRESH_TOKEN if error == "invalid_grant" else f"{CLIENT_ID} and {CLIENT_SECRET}"
        raise GoogleAdsError(
            f"Google Ads for store {settings.SLUG}: the OAuth token endpoint refused the grant "
            f"({error}: {_json(response).get('error_description', '')}) for customers {', '.join(CUSTOMER_IDS)}. "
            f"Create a new refresh token for a Google user with access to these customers (or check the OAuth "
            f"client) and store it in {where}.")
    raise GoogleAdsError(f"Google Ads for store {settings.SLUG}: the OAuth token endpoint answered "
                         f"{response.status_code}: {response.text[:300]}")


def _retryable(response: requests.Response) -> bool:
    # 400 (a bad query) and 403 (no access) stay wrong however often they are sent.
    return response.status_code == 429 or response.status_code >= 500


def _delay(response: requests.Response | None, attempt: int) -> float:
    """The wait before the next attempt: the quota error's own retryDelay, else exponential back-off."""
    backoff = float(min(MAX_BACKOFF_SECONDS, 2 ** (attempt - 1)))
    if response is None or response.status_code != 429:
        return backoff
    for detail in _json(response).get("error", {}).get("details", []):
        delays = [detail.get("retryDelay")] + [
            error.get("details", {}).get("quotaErrorDetails", {}).get("retryDelay") for error in detail.get("errors", [])]
        for value in delays:
            match = RETRY_DELAY.match(str(value or ""))
            if match:
                return float(match.group(1))
    return backoff


def _checked(response: requests.Response, url: str) -> requests.Response:
    """The response if it succeeded; otherwise the failure, explained."""
    if response.ok:
        return response
    customer = _customer(url)
    status = _json(response).get("error", {}).get("status", "")
    detail = _error_detail(response)
    if response.status_code == 403:
        raise GoogleAdsError(
            f"Google Ads for store {settings.SLUG}: no access to customer {customer} ({status}: {detail}). "
            f"If the customer is reached through a manager (MCC) account, set sources.google_ads.login_customer_id "
            f"to the manager's id (now: {LOGIN_CUSTOMER_ID or 'not set'}); otherwise give the Google user of the "
            f"refresh token access to customer {customer}.")
    if response.status_code == 401:
        raise GoogleAdsError(f"Google Ads for store {settings.SLUG}: customer {customer} refused fresh access "
                             f"tokens ({detail}); check the OAuth client, refresh token and developer token.")
    raise GoogleAdsError(f"Google Ads for store {settings.SLUG}: customer {customer} answered "
                         f"{response.status_code} {status}: {detail}")


def _gave_up(response: requests.Response | None, url: str, waited: float) -> str:
    what = "no answer" if response is None else f"{response.status_code} {_error_detail(response)}"
    return (f"Google Ads for store {settings.SLUG}: customer {_customer(url)} still failing after waiting "
            f"{waited:g} s ({what}). If this is a quota error (429), run again once the quota has recovered.")


def _error_detail(response: requests.Response) -> str:
    """Google's own error codes and messages (GoogleAdsFailure), else the top-level message."""
    error = _json(response).get("error", {})
    failures = [f"{', '.join(f'{k}={v}' for k, v in failure.get('errorCode', {}).items())} {failure.get('message', '')}"
                for detail in error.get("details", []) for failure in detail.get("errors", [])]
    return "; ".join(f.strip() for f in failures) or str(error.get("message") or response.text[:300])


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _customer(url: str) -> str:
    match = CUSTOMER_IN_PATH.search(url or "")
    return match.group(1) if match else "?"


@dlt.source(name="google_ads")
def google_ads(api_url: str, token_url: str, grant: dict[str, str], headers: dict[str, str],
               start: date, today: date) -> Iterator[Any]:
    client = RESTClient(
        base_url=api_url,
        headers=headers,
        session=GoogleAdsSession(token_url, grant),
        paginator=JSONResponseCursorPaginator(cursor_path="nextPageToken", cursor_body_path="pageToken"),
        data_selector="results",
    )
    yield dlt.resource(_campaign_daily(client, start, today), name="campaign_daily",
                       primary_key=("customer_id", "campaign_id", "date"), write_disposition="merge",
                       columns=COLUMNS)


def _campaign_daily(client: RESTClient, start: date, today: date) -> Any:
    def rows(
        # dlt's documented way to declare an incremental cursor is a default argument. The lag re-reads
        # the days whose conversions may still change; merging replaces them, so the boundary needs no
        # de-duplication (primary_key=()), which would otherwise drop revised rows of the last day.
        day: Any = dlt.sources.incremental("date", initial_value=start, lag=REPULL_DAYS, primary_key=()),  # noqa: B008
    ) -> Iterator[list[dict[str, Any]]]:
        query = _query(day.start_value, today)
        for customer_id in CUSTOMER_IDS:
            pages = client.paginate(f"customers/{customer_id}/googleAds:search", method="POST",
                                    json={"query": query}, hooks=NO_RESPONSE_HOOKS)
            for page in pages:  # a page without `results` (an empty result) comes back as []
                yield [_row(result) for result in page]

    return rows


def _query(first: date, last: date) -> str:
    # Follow-up pages must repeat this exact text, which the paginator does: it only adds pageToken.
    return (f"SELECT {', '.join(FIELDS)} FROM campaign "
            f"WHERE segments.date BETWEEN '{first.isoformat()}' AND '{last.isoformat()}'")


def _row(result: dict[str, Any]) -> dict[str, Any]:
    """One flat row; int64 arrives as text, doubles as numbers, and zero metrics may be left out."""
    customer, campaign, metrics = result["customer"], result["campaign"], result.get("metrics", {})
    cost_micros = int(metrics.get("costMicros", 0))
    return {
        "customer_id": int(customer["id"]),
        "currency_code": customer["currencyCode"],
        "time_zone": customer["timeZone"],
        "campaign_id": int(campaign["id"]),
        "campaign_name": campaign.get("name"),
        "campaign_status": campaign.get("status"),
        "date": date.fromisoformat(result["segments"]["date"]),
        "cost_micros": cost_micros,
        "cost": Decimal(cost_micros) / 10**6,
        "clicks": int(metrics.get("clicks", 0)),
        "impressions": int(metrics.get("impressions", 0)),
        "conversions": _decimal(metrics.get("conversions", 0)),
        "conversions_value": _decimal(metrics.get("conversionsValue", 0)),
    }


def _decimal(value: float) -> Decimal:
    # repr() gives the shortest digits that round-trip, i.e. what Google wrote; the column has 9 places.
    return Decimal(repr(value)).quantize(NINE_PLACES)


def _latest_date() -> date:
    # No customer's calendar is ahead of UTC+14: asking up to that day never cuts off anyone's today.
    return datetime.now(timezone(timedelta(hours=14))).date()


def load(today: date | None = None) -> dict[str, int]:
    """Load the campaign days from START_DATE (later: the last 3 loaded days) into the raw dataset."""
    base = runtime.endpoint("google_ads", PRODUCTION_URL)
    grant = {"client_id": runtime.secret(CLIENT_ID), "client_secret": runtime.secret(CLIENT_SECRET),
                   "refresh_token": runtime.secret(REFRESH_TOKEN)}
    headers = {"login-customer-id": LOGIN_CUSTOMER_ID} if LOGIN_CUSTOMER_ID else {}
    if DEVELOPER_TOKEN:
        headers["developer-token"] = runtime.secret(DEVELOPER_TOKEN)
    source = google_ads(f"{base}/{API_VERSION}/", runtime.endpoint("google_ads_token", PRODUCTION_TOKEN_URL),
                        grant, headers, date.fromisoformat(START_DATE), today or _latest_date())
    return runtime.run_pipeline(settings, "google_ads", source)
