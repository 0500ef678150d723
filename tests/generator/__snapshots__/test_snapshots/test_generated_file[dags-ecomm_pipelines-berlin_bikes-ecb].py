# Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
"""ECB euro foreign-exchange reference rates → dlt, for the store `berlin-bikes`.

One row per publication day and currency: units of the currency per 1 EUR, exactly as published
(ECB: 16:00 CET on TARGET days; none on weekends and holidays; `N/A` cells are skipped). The first
run reads the full history file; later runs read the 90-day file while it still reaches back to the
last loaded day. Rows merge on (rate_date, currency), so a re-read day is replaced, not doubled.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date
from typing import Any
from xml.etree import ElementTree

import dlt
from dlt.sources.helpers.requests import Client

from ecomm_pipelines import runtime
from ecomm_pipelines.berlin_bikes import settings

PRODUCTION_URL = 'https://www.ecb.europa.eu'
FIRST_RATE_DATE = '2024-12-22'
RECENT_FILE_DAYS = 80
COLUMNS = {
    "rate_date": {"data_type": "date", "nullable": False},
    "currency": {"data_type": "text", "nullable": False},
    "rate": {"data_type": "decimal", "precision": 38, "scale": 9, "nullable": False},
}


def session() -> Any:
    """HTTP session with bounded retries for 429 and 5xx (at most 5 tries, 60 s per request)."""
    return Client(request_timeout=60, request_max_attempts=5, request_backoff_factor=1, request_max_retry_delay=30).session


@dlt.source(name="ecb")
def ecb(files_url: str, first: date, today: date) -> Iterator[Any]:
    yield dlt.resource(_rates(files_url, first, today), name="rates", primary_key=("rate_date", "currency"),
                       write_disposition="merge", columns=COLUMNS)


def _rates(files_url: str, first: date, today: date) -> Any:
    def rows(
        # dlt's documented way to declare an incremental cursor is a default argument.
        rate_date: Any = dlt.sources.incremental("rate_date", initial_value=first),  # noqa: B008
    ) -> Iterator[list[dict[str, Any]]]:
        http = session()
        # Before the first load dlt reports the initial value as the last one.
        last = rate_date.last_value if rate_date.last_value != first else None
        if last is not None and (today - last).days < RECENT_FILE_DAYS:
            published = _from_xml(http.get(f"{files_url}/eurofxref-hist-90d.xml").content)
        else:
            archive = zipfile.ZipFile(io.BytesIO(http.get(f"{files_url}/eurofxref-hist.zip").content))
            published = _from_csv(archive.read(archive.namelist()[0]).decode("utf-8"))
        yield [row for row in published if row["rate_date"] >= first]

    return rows


def _from_csv(text: str) -> list[dict[str, Any]]:
    """The history CSV: newest first, a header of currency codes (with a trailing comma), `N/A` cells."""
    out = []
    for record in csv.DictReader(io.StringIO(text)):
        day = date.fromisoformat(record.pop("Date"))
        out += [_row(day, code, value) for code, value in record.items() if code and value not in ("N/A", "", None)]
    return out


def _from_xml(payload: bytes) -> list[dict[str, Any]]:
    """The gesmes XML: a Cube per day holding a Cube per currency; unpublished currencies are absent."""
    out = []
    for day in ElementTree.fromstring(payload).iter():
        if day.tag.endswith("Cube") and "time" in day.attrib:
            when = date.fromisoformat(day.attrib["time"])
            out += [_row(when, cube.attrib["currency"], cube.attrib["rate"]) for cube in day]
    return out


def _row(day: date, currency: str, rate: str) -> dict[str, Any]:
    # Kept as text until dlt writes it: the column is DECIMAL(38, 9), so the published digits survive.
    return {"rate_date": day, "currency": currency.strip(), "rate": rate.strip()}


def load(today: date | None = None) -> dict[str, int]:
    """Load the reference rates from FIRST_RATE_DATE on into the store's raw ECB dataset."""
    files_url = f"{runtime.endpoint('ecb', PRODUCTION_URL)}/stats/eurofxref"
    source = ecb(files_url, date.fromisoformat(FIRST_RATE_DATE), today or date.today())
    return runtime.run_pipeline(settings, "ecb", source)
