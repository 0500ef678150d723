"""A local emulator of the ECB reference-rate files and of Frankfurter v1 (api-contracts §1.5, §7.1, §7.2).

It serves a :class:`~generator.emulators.ecb.rates.RateHistory` live on
127.0.0.1, so days published with ``history.advance()`` appear in the files.

ECB files, under ``/stats/eurofxref/`` as on www.ecb.europa.eu:

* ``eurofxref-hist.zip`` (holding ``eurofxref-hist.csv``) and the plain
  ``eurofxref-hist.csv``: the real 41-column header with its trailing comma,
  newest day first, ``N/A`` for missing values, trailing zeros cut
  (``0.8569`` for 0.85690) as in the real history file.
* ``eurofxref-daily.xml`` (newest day only; tab-indented, single-quoted
  attributes, fixed decimals), ``eurofxref-hist-90d.xml`` and
  ``eurofxref-hist.xml`` (one ``<Cube time="...">`` line per day, newest
  first, trailing zeros cut). All in the ``gesmes:Envelope``; a currency that
  is ``N/A`` on a day is left out of that day's Cube, as the ECB does.
* ``eurofxref.zip`` (holding ``eurofxref.csv``): the one-day CSV with ``", "``
  separators and a long date (``03 March 2025``).

Every file carries ``Last-Modified`` (16:00 Frankfurt time on the newest day)
and answers ``If-Modified-Since`` with 304.

Frankfurter v1 under ``/v1``: ``latest``, ``/v1/2025-03-03``,
``/v1/2025-03-01..2025-03-31``, ``/v1/2025-03-01..`` and ``currencies``, with
``base``, ``symbols`` and ``amount``. Weekends and holidays snap back to the
previous publication day; "today" is ``history.end``. Numbers are rounded as
Frankfurter rounds them (4 decimals above 1, 2 above 80, whole numbers above
5000, ...), computed in Decimal.

Usage::

    with ECBEmulator(build_rates()) as ecb:
        requests.get(ecb.ecb_url + "/eurofxref-hist.zip", timeout=5)
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from generator.emulators._served import ServedEmulator
from generator.emulators.ecb.rates import ECB_COLUMNS, RateHistory, format_rate
from generator.emulators.shopify.server import RequestRecord, _Fault, _Handler, _HTTPServer, _Reply

__all__ = ["ECBEmulator", "RequestRecord"]

ECB_PREFIX = "/stats/eurofxref"
GESMES_NS = "http://www.gesmes.org/xml/2002-08-01"
EUROFXREF_NS = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
_LOOPBACK = ("127.0.0.1", "localhost")
_FRANKFURT = ZoneInfo("Europe/Berlin")
_PUBLISHED_AT = clock(16, 0)
_XML_CT = "text/xml"
_JSON_CT = "application/json; charset=utf-8"
_HTML_CT = "text/html; charset=UTF-8"
_ENVELOPE_OPEN = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                  f'<gesmes:Envelope xmlns:gesmes="{GESMES_NS}" xmlns="{EUROFXREF_NS}">')
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_DAY = r"(\d{4}-\d{2}-\d{2})"
_FX_DAY = re.compile(rf"^/v1/{_DAY}$")
_FX_RANGE = re.compile(rf"^/v1/{_DAY}\.\.{_DAY}?$")
_CURRENCY_NAMES = {
    "AUD": "Australian Dollar", "BGN": "Bulgarian Lev", "BRL": "Brazilian Real", "CAD": "Canadian Dollar",
    "CHF": "Swiss Franc", "CNY": "Chinese Renminbi Yuan", "CZK": "Czech Koruna", "DKK": "Danish Krone",
    "EUR": "Euro", "GBP": "British Pound", "HKD": "Hong Kong Dollar", "HUF": "Hungarian Forint",
    "IDR": "Indonesian Rupiah", "ILS": "Israeli New Sheqel", "INR": "Indian Rupee", "ISK": "Icelandic Króna",
    "JPY": "Japanese Yen", "KRW": "South Korean Won", "MXN": "Mexican Peso", "MYR": "Malaysian Ringgit",
    "NOK": "Norwegian Krone", "NZD": "New Zealand Dollar", "PHP": "Philippine Peso", "PLN": "Polish Złoty",
    "RON": "Romanian Leu", "SEK": "Swedish Krona", "SGD": "Singapore Dollar", "THB": "Thai Baht",
    "TRY": "Turkish Lira", "USD": "United States Dollar", "ZAR": "South African Rand",
}
Row = Mapping[str, Decimal | None]


class _FxError(Exception):
    """A Frankfurter error answer: status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class _Snapshot:
    """The history as one request sees it: days newest first (rows are never changed once published)."""

    days: list[date]  # newest first
    rates: Mapping[date, Row]
    today: date

    @property
    def newest(self) -> date:
        return self.days[0]


# --------------------------------------------------------------------------- ECB files


def _row_currencies(row: Row) -> list[str]:
    """The currencies quoted in a row, in the ECB's column order (N/A left out)."""
    return [c for c in ECB_COLUMNS if row.get(c) is not None]


def _hist_csv(snap: _Snapshot, columns: list[str]) -> bytes:
    lines = ["Date," + "".join(f"{c}," for c in columns)]
    for day in snap.days:
        row = snap.rates[day]
        cells = "".join(f"{'N/A' if row.get(c) is None else format_rate(row[c], trim=True)}," for c in columns)
        lines.append(f"{day.isoformat()},{cells}")
    return ("\n".join(lines) + "\n").encode()


def _daily_csv(snap: _Snapshot, columns: list[str]) -> bytes:
    day = snap.newest
    row = snap.rates[day]
    cells = "".join(f"{'N/A' if row.get(c) is None else format_rate(row[c])}, " for c in columns)
    head = "".join(f"{c}, " for c in columns)
    return f"Date, {head}\n{day.day:02d} {_MONTHS[day.month - 1]} {day.year}, {cells}\n".encode()


def _daily_xml(snap: _Snapshot) -> bytes:
    day = snap.newest
    row = snap.rates[day]
    cubes = "".join(f"\t\t\t<Cube currency='{c}' rate='{format_rate(row[c])}'/>\n" for c in _row_currencies(row))
    text = (f"{_ENVELOPE_OPEN}\n\t<gesmes:subject>Reference rates</gesmes:subject>\n\t<gesmes:Sender>\n"
            f"\t\t<gesmes:name>European Central Bank</gesmes:name>\n\t</gesmes:Sender>\n\t<Cube>\n"
            f"\t\t<Cube time='{day.isoformat()}'>\n{cubes}\t\t</Cube>\n\t</Cube>\n</gesmes:Envelope>\n")
    return text.encode()


def _hist_xml(snap: _Snapshot, days: list[date]) -> bytes:
    parts = [f"{_ENVELOPE_OPEN}<gesmes:subject>Reference rates</gesmes:subject><gesmes:Sender>"
             "<gesmes:name>European Central Bank</gesmes:name></gesmes:Sender><Cube>\n"]
    for day in days:
        row = snap.rates[day]
        cubes = "".join(f'<Cube currency="{c}" rate="{format_rate(row[c], trim=True)}"/>'
                        for c in _row_currencies(row))
        parts.append(f'<Cube time="{day.isoformat()}">{cubes}</Cube>\n')
    parts.append("</Cube></gesmes:Envelope>")
    return "".join(parts).encode()


def _published_at(day: date) -> datetime:
    """When the ECB would have published ``day``'s rates (16:00 Frankfurt time), in UTC."""
    return datetime.combine(day, _PUBLISHED_AT, tzinfo=_FRANKFURT).astimezone(UTC)


def _zipped(name: str, payload: bytes, day: date) -> bytes:
    """A deterministic zip holding one file (its timestamp is the publication time)."""
    local = datetime.combine(day, _PUBLISHED_AT)
    info = zipfile.ZipInfo(name, date_time=local.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, payload)
    return buffer.getvalue()


def _not_modified(headers: Message, last_modified: datetime) -> bool:
    raw = headers.get("If-Modified-Since")
    if not raw:
        return False
    try:
        since = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since >= last_modified


# --------------------------------------------------------------------------- Frankfurter v1


def _fx_round(value: Decimal) -> Decimal:
    """Frankfurter's Roundable: whole above 5000, 2 places above 80, 3 above 20, 4 above 1, 5 above 0.0001, else 6."""
    if value > 5000:
        return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    for bound, places in ((80, 2), (20, 3), (1, 4), (Decimal("0.0001"), 5)):
        if value > bound:
            return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _json_number(value: Decimal, *, whole: bool = False) -> str:
    """A JSON number as Frankfurter's serializer prints it (a float such as 0.8569 or 160.0; an int when whole)."""
    if whole:
        return str(int(value))
    text = format_rate(value, trim=True)
    return text if "." in text else f"{text}.0"


def _json_text(value: object) -> str:
    """JSON with Decimal values written as exact numbers."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Decimal):
        return _json_number(value, whole=value > 5000 and value == value.to_integral_value())
    return json.dumps(value)


@dataclass(frozen=True)
class _FxQuery:
    base: str
    symbols: frozenset[str] | None
    amount: Decimal

    @classmethod
    def parse(cls, query: dict[str, str]) -> _FxQuery:
        base = (query.get("base") or query.get("from") or "EUR").upper()
        raw_symbols = query.get("symbols") or query.get("to")
        symbols = frozenset(s.strip().upper() for s in raw_symbols.split(",") if s.strip()) if raw_symbols else None
        try:
            amount = Decimal(query.get("amount") or "1")
        except InvalidOperation as exc:
            raise _FxError(422, "invalid amount") from exc
        if not amount.is_finite() or amount <= 0:
            raise _FxError(422, "invalid amount")
        return cls(base, symbols, amount)

    def quote(self, row: Row) -> dict[str, Decimal] | None:
        """One day's rates as Frankfurter computes them (from EUR rates rounded first), or None."""
        rates = {c: _fx_round(self.amount * v) for c, v in sorted(row.items())
                 if v is not None and (self.symbols is None or c in self.symbols or c == self.base)}
        if self.base == "EUR":
            return rates
        divisor = rates.pop(self.base, None)
        if divisor is None:
            return None
        if self.symbols is None or "EUR" in self.symbols:
            rates["EUR"] = self.amount
        return {c: _fx_round(self.amount * r / divisor) for c, r in sorted(rates.items())}


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _FxError(422, "invalid date") from exc


def _on_or_before(snap: _Snapshot, day: date) -> date | None:
    """The newest publication day at or before ``day`` (None if ``day`` is in the future or before the history)."""
    if day > snap.today:
        return None
    return next((d for d in snap.days if d <= day), None)


def _fx_day(snap: _Snapshot, day: date, fx: _FxQuery) -> dict:
    found = _on_or_before(snap, day)
    rates = fx.quote(snap.rates[found]) if found is not None else None
    if found is None or rates is None:
        raise _FxError(404, "not found")
    return {"amount": fx.amount, "base": fx.base, "date": found.isoformat(), "rates": rates}


def _fx_series(snap: _Snapshot, start: date, end: date, fx: _FxQuery) -> dict:
    if start > snap.today:
        raise _FxError(404, "not found")
    first = _on_or_before(snap, start) or start  # the start snaps back to the previous publication day
    series = {}
    for day in reversed(snap.days):
        rates = fx.quote(snap.rates[day]) if first <= day <= end else None
        if rates is not None:
            series[day.isoformat()] = rates
    if not series:
        raise _FxError(404, "not found")
    keys = list(series)
    return {"amount": fx.amount, "base": fx.base, "start_date": keys[0], "end_date": keys[-1], "rates": series}


# --------------------------------------------------------------------------- HTTP plumbing


def _html_reply(status: int, **headers: str) -> _Reply:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    body = (f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>"
            f"<body><h1>{reason}</h1></body></html>\n")
    return _Reply(status, body.encode(), {"Content-Type": _HTML_CT, **headers})


def _fx_reply(status: int, payload: object) -> _Reply:
    return _Reply(status, _json_text(payload).encode(), {"Content-Type": _JSON_CT,
                                                         "Cache-Control": "public, max-age=900"})


def _fault_reply(fault: _Fault, path: str) -> _Reply:
    """The answer for a scripted fault: its own body as is, else the service's error page."""
    if fault.body is not None:
        return _Reply(fault.status, fault.body.encode(), {"Content-Type": "text/plain; charset=utf-8"})
    if path.startswith("/v1"):
        try:
            message = HTTPStatus(fault.status).phrase.lower()
        except ValueError:
            message = "error"
        return _fx_reply(fault.status, {"message": message})
    return _html_reply(fault.status)


class _ECBHandler(_Handler):
    server_version = "ECBEmulator/1.0"


class _ECBHTTPServer(_HTTPServer):
    """The Shopify emulator's server (connection tracking, quiet errors, no reverse DNS) with this handler."""

    def __init__(self, address: tuple[str, int], emulator: ECBEmulator) -> None:
        super().__init__(address, emulator)  # type: ignore[arg-type]  # duck-typed: needs only _handle()
        self.RequestHandlerClass = _ECBHandler


# --------------------------------------------------------------------------- the emulator


class ECBEmulator(ServedEmulator):
    """The ECB rate files and Frankfurter v1 on 127.0.0.1, serving a RateHistory (see module docstring).

    ``csv_columns``: "ecb" writes the real 41-column header (currencies the
    history does not quote are ``N/A``), "quoted" only the history's
    currencies. ``retired_columns``: "na" keeps the column of a currency that
    adopted the euro with ``N/A`` values, "drop" removes it from the CSV files
    once the history reaches the adoption day (api-contracts §9; default "na").
    """

    thread_name = "ecb-emulator"

    def __init__(self, history: RateHistory, *, host: str = "127.0.0.1", port: int = 0, csv_columns: str = "ecb",
                 retired_columns: str = "na") -> None:
        if host not in _LOOPBACK:
            raise ValueError("the emulator binds to 127.0.0.1 only")
        if csv_columns not in ("ecb", "quoted"):
            raise ValueError("csv_columns must be 'ecb' or 'quoted'")
        if retired_columns not in ("na", "drop"):
            raise ValueError("retired_columns must be 'na' or 'drop'")
        self.history = history
        self.host = "127.0.0.1"
        self.port = port
        self.csv_columns = csv_columns
        self.retired_columns = retired_columns
        self.requests: list[RequestRecord] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._server: _ECBHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._files: dict[str, Callable[[_Snapshot], tuple[bytes, str]]] = {
            f"{ECB_PREFIX}/eurofxref-hist.csv": lambda s: (_hist_csv(s, self._columns(s)), "text/csv; charset=utf-8"),
            f"{ECB_PREFIX}/eurofxref-hist.zip": lambda s: (
                _zipped("eurofxref-hist.csv", _hist_csv(s, self._columns(s)), s.newest), "application/zip"),
            f"{ECB_PREFIX}/eurofxref.zip": lambda s: (
                _zipped("eurofxref.csv", _daily_csv(s, self._daily_columns(s)), s.newest), "application/zip"),
            f"{ECB_PREFIX}/eurofxref-daily.xml": lambda s: (_daily_xml(s), _XML_CT),
            f"{ECB_PREFIX}/eurofxref-hist-90d.xml": lambda s: (
                _hist_xml(s, [d for d in s.days if d > s.today - timedelta(days=90)]), _XML_CT),
            f"{ECB_PREFIX}/eurofxref-hist.xml": lambda s: (_hist_xml(s, s.days), _XML_CT),
        }

    # ----------------------------------------------------------------- lifecycle

    def _bind(self) -> _ECBHTTPServer:
        return _ECBHTTPServer((self.host, self.port), self)

    @property
    def ecb_url(self) -> str:
        """Where the ECB files live: ``<base_url>/stats/eurofxref``."""
        return self.base_url + ECB_PREFIX

    @property
    def frankfurter_url(self) -> str:
        """The Frankfurter v1 base: ``<base_url>/v1``."""
        return self.base_url + "/v1"

    # ----------------------------------------------------------------- test controls

    def inject(self, status: int, count: int = 1, *, path_contains: str = "", delay: float = 0.0,
               body: str | None = None) -> None:
        """Script a fault for the next ``count`` requests whose path contains ``path_contains``.

        Errors answer with the service's error page (HTML for the ECB files,
        ``{"message": ...}`` under ``/v1``); ``body`` replaces it as is, except
        ``body="truncated"``, which sends the real answer with its full
        Content-Length but only half the bytes, then closes. ``delay`` sleeps
        first; with status 200 and no body the request is then answered
        normally (a slow server, for client timeouts).
        """
        with self._lock:
            self._faults.append(_Fault(status, count, path_contains, delay, body))

    # ----------------------------------------------------------------- request handling

    def _handle(self, method: str, raw_path: str, headers: Message) -> _Reply:
        parts = urlsplit(raw_path)
        query = dict(reversed(parse_qsl(parts.query, keep_blank_values=True)))  # first occurrence wins
        fault = self._take_fault(parts.path)
        if fault is not None and fault.delay > 0:
            time.sleep(fault.delay)
        if fault is not None and (fault.status != 200 or fault.body not in (None, "truncated")):
            reply = _fault_reply(fault, parts.path)
        else:
            reply = self._serve(method, parts.path, query, headers)
            reply.cut_connection = fault is not None and fault.body == "truncated"
        with self._lock:
            self.requests.append(RequestRecord(method, parts.path, query, reply.status))
        return reply

    def _snapshot(self) -> _Snapshot:
        with self.history.lock:
            return _Snapshot(self.history.days[::-1], self.history.rates, self.history.end)

    def _serve(self, method: str, path: str, query: dict[str, str], headers: Message) -> _Reply:
        if method != "GET":
            return _html_reply(405, Allow="GET")
        if path == "/v1" or path.startswith("/v1/"):
            try:
                return _fx_reply(200, self._frankfurter(path, query))
            except _FxError as err:
                return _fx_reply(err.status, {"message": err.message})
        render = self._files.get(path)
        if render is None:
            return _html_reply(404)
        snap = self._snapshot()
        modified = _published_at(snap.newest)
        stamp = {"Last-Modified": format_datetime(modified, usegmt=True)}
        if _not_modified(headers, modified):
            return _Reply(304, b"", stamp)
        body, content_type = render(snap)
        return _Reply(200, body, {"Content-Type": content_type, **stamp})

    def _columns(self, snap: _Snapshot) -> list[str]:
        """The hist CSV's columns after the csv_columns and retired_columns options."""
        quoted = set(self.history.currencies)
        columns = [c for c in ECB_COLUMNS if self.csv_columns == "ecb" or c in quoted]
        return [c for c in columns if c not in self._retired(snap)]

    def _daily_columns(self, snap: _Snapshot) -> list[str]:
        """The one-day CSV lists the quoted currencies only (it has no legacy columns)."""
        quoted = set(self.history.currencies)
        return [c for c in ECB_COLUMNS if c in quoted and c not in self._retired(snap)]

    def _retired(self, snap: _Snapshot) -> set[str]:
        if self.retired_columns == "na":
            return set()
        return {c for c, first_euro_day in self.history.spec.euro_adoptions if first_euro_day <= snap.newest}

    def _frankfurter(self, path: str, query: dict[str, str]) -> dict:
        snap = self._snapshot()
        if path == "/v1/currencies":
            codes = sorted({"EUR", *self.history.currencies})
            return {c: _CURRENCY_NAMES.get(c, c) for c in codes}
        fx = _FxQuery.parse(query)
        if path in ("/v1/latest", "/v1/current"):
            return _fx_day(snap, snap.today, fx)
        match = _FX_DAY.match(path)
        if match:
            return _fx_day(snap, _parse_day(match[1]), fx)
        match = _FX_RANGE.match(path)
        if match:
            end = _parse_day(match[2]) if match[2] else snap.today
            return _fx_series(snap, _parse_day(match[1]), end, fx)
        raise _FxError(404, "not found")
