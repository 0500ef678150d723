# Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
"""Shopify Admin REST API → dlt, for the store `berlin-bikes`.

Orders (line items and refunds become child tables), products and customers, each merged on `id`
and loaded incrementally on `updated_at`. Each run re-reads the last 3600 seconds of
updates: Shopify can make an update visible to list queries a little after stamping its
`updated_at`, and merging on `id` makes the re-read harmless.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import dlt
from dlt.sources.helpers.requests import Client
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.paginators import HeaderLinkPaginator

from ecomm_pipelines import runtime
from ecomm_pipelines.berlin_bikes import settings

SHOP = 'berlin-bikes'
API_VERSION = '2025-10'
PRODUCTION_URL = 'https://berlin-bikes.myshopify.com'
ACCESS_TOKEN = 'secret:berlin-bikes-shopify-token'
START_DATE = '2025-01-01'
LOOKBACK_SECONDS = 3600
BOUNDED_BY_START_DATE = ("orders",)
RESOURCE_PARAMS = {
    'customers': {'limit': 250, 'order': 'updated_at asc'},
    'orders': {'limit': 250, 'order': 'updated_at asc', 'status': 'any'},
    'products': {'limit': 250, 'order': 'updated_at asc'},
}
# Columns the dbt models read even when no row has a value yet (dlt creates columns from data).
COLUMNS = {
    "orders": {
        "cancelled_at": {"data_type": "timestamp", "nullable": True},
        "closed_at": {"data_type": "timestamp", "nullable": True},
        "customer__id": {"data_type": "bigint", "nullable": True},
        "email": {"data_type": "text", "nullable": True},
        "landing_site": {"data_type": "text", "nullable": True},
        "referring_site": {"data_type": "text", "nullable": True},
    },
    "products": {},
    "customers": {},
}


def session() -> Any:
    """HTTP session with bounded retries: 429 and 5xx back off exponentially, at most 8 tries.

    Shopify's `Retry-After: 2.0` is not an integer, so dlt ignores it and uses its own backoff.
    """
    client = Client(request_timeout=30, request_max_attempts=8, request_backoff_factor=1, request_max_retry_delay=30)
    return client.session


@dlt.source(name="shopify")
def shopify(base_url: str, access_token: str, start: datetime) -> Iterator[Any]:
    client = RESTClient(
        base_url=base_url,
        headers={"X-Shopify-Access-Token": access_token},
        paginator=HeaderLinkPaginator(),
        session=session(),
    )
    for name, params in RESOURCE_PARAMS.items():
        # `start_date` bounds the orders; products and customers are loaded whole, since old ones
        # are still sold and still buy.
        yield _resource(client, name, params, start if name in BOUNDED_BY_START_DATE else None)


def _resource(client: RESTClient, name: str, params: dict[str, Any], start: datetime | None) -> Any:
    def pages(
        # dlt's documented way to declare an incremental cursor is a default argument.
        updated_at: Any = dlt.sources.incremental("updated_at", initial_value=start, lag=LOOKBACK_SECONDS),  # noqa: B008
    ) -> Iterator[list[dict[str, Any]]]:
        # The cursor goes out with the first request only: Shopify's next-page links carry it inside
        # `page_info`, and dlt's Link-header paginator sends those links without our parameters.
        query = dict(params)
        if updated_at.start_value is not None:
            query["updated_at_min"] = updated_at.start_value.isoformat()
        for page in client.paginate(f"{name}.json", params=query, data_selector=name):
            yield [_with_instant(item) for item in page]

    return dlt.resource(pages, name=name, primary_key="id", write_disposition="merge", columns=COLUMNS[name])


def _with_instant(item: dict[str, Any]) -> dict[str, Any]:
    # Shopify writes timestamps with the shop's UTC offset. Compared as text, two offsets (around a
    # DST change) would sort wrongly and move the cursor past unseen rows; as instants they cannot.
    item["updated_at"] = datetime.fromisoformat(item["updated_at"])
    return item


def load() -> dict[str, int]:
    """Load the configured resources into the store's raw Shopify dataset."""
    start = datetime.combine(date.fromisoformat(START_DATE), time(), ZoneInfo(settings.TIMEZONE))
    base_url = f"{runtime.endpoint('shopify', PRODUCTION_URL)}/admin/api/{API_VERSION}/"
    source = shopify(base_url, runtime.secret(ACCESS_TOKEN), start)
    return runtime.run_pipeline(settings, "shopify", source)
