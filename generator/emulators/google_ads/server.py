"""A local Google Ads API REST emulator (api-contracts §1.3, §2.3, §5 and §9) on 127.0.0.1.

It serves a :class:`~generator.emulators.google_ads.world.GoogleAdsWorld` live,
so days added with ``world.advance()`` and their revised conversions show up in
the next query. It reproduces what a dlt REST client must cope with:

* ``POST /token``: the Google OAuth refresh-token grant (form-encoded or JSON).
  Access tokens expire after ``token_ttl`` seconds or at once with
  :meth:`GoogleAdsEmulator.expire_tokens` (the next call gets 401
  ``UNAUTHENTICATED``, so a client must refresh mid-run).
* ``POST /{version}/customers/{id}/googleAds:search``: a fixed server-side page
  size (``page_size``; ``pageSize`` in the body is rejected as in v19+),
  ``nextPageToken`` absent on the last page, follow-up pages served from the
  cached result of the first one and only for the identical query.
* ``POST .../googleAds:searchStream``: one JSON array of batches,
  ``queryResourceConsumption`` on the last one; errors as ``[{"error": ...}]``.
* A GAQL subset: ``SELECT`` of customer/campaign attributes, ``segments.date``
  and metrics ``FROM campaign`` or ``FROM customer``, ``WHERE`` conditions
  joined by ``AND`` (``BETWEEN``, ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``,
  ``IN``, ``NOT IN``), ``ORDER BY`` and ``LIMIT``. Unknown fields and bad
  syntax answer 400 with a ``GoogleAdsFailure``.
* ProtoJSON: lowerCamelCase keys, int64 as strings, doubles as numbers, enums as
  names, a ``resourceName`` on every resource, zero-activity days omitted.
* ``login-customer-id`` required for customers under a manager (403
  ``USER_PERMISSION_DENIED``), ``developer-token`` ignored unless the emulator
  is strict (the header was retired on 2026-09-09).
* Faults: ``inject(429, retry_delay_seconds=2)`` answers ``RESOURCE_EXHAUSTED``
  with ``quotaErrorDetails.retryDelay`` and a ``google.rpc.RetryInfo`` of
  ``"2s"``; 5xx in the Google error shape; cut connections and broken JSON.

Usage::

    with GoogleAdsEmulator(build_google_ads_world()) as ads:
        token = requests.post(ads.token_url, data={"grant_type": "refresh_token", "client_id": "sandbox-client",
                              "client_secret": "sandbox-secret", "refresh_token": "sandbox-refresh"},
                              timeout=5).json()["access_token"]
        requests.post(ads.api_url + "/customers/1234567890/googleAds:search",
                      json={"query": "SELECT campaign.id FROM campaign"},
                      headers={"Authorization": f"Bearer {token}", "login-customer-id": "9876543210"}, timeout=5)
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from email.message import Message
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from generator.emulators._served import ServedEmulator
from generator.emulators.google_ads.world import Campaign, CampaignDay, Customer, GoogleAdsWorld
from generator.emulators.shopify.server import _MAX_BODY, _damage, _Fault, _Handler, _HTTPServer, _Reply

__all__ = ["GaqlError", "GaqlQuery", "GoogleAdsEmulator", "RequestRecord", "parse_gaql"]

DEFAULT_VERSION = "v21"
OAUTH_SCOPE = "https://www.googleapis.com/auth/adwords"
JSON_CT = "application/json; charset=UTF-8"
_LOOPBACK = ("127.0.0.1", "localhost")
_API_PATH = re.compile(r"^/(?P<version>v\d+)/customers/(?P<customer>[^/]+)/googleAds:(?P<method>search|searchStream)$")
_LOGGED_HEADERS = ("authorization", "content-type", "developer-token", "login-customer-id", "linked-customer-id")
_SEARCH_KEYS = frozenset({"query", "pageToken", "validateOnly", "returnTotalResultsCount", "summaryRowSetting"})
_STREAM_KEYS = frozenset({"query", "summaryRowSetting"})
_SUMMARY_SETTINGS = ("UNSPECIFIED", "NO_SUMMARY_ROW", "SUMMARY_ROW_WITH_RESULTS", "SUMMARY_ROW_ONLY")
_PAGE_CACHE_SIZE = 128

_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL",
                 501: "UNIMPLEMENTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
         "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "Resource has been exhausted (e.g. check quota).",
    500: "Internal error encountered.",
    503: "The service is currently unavailable.",
    504: "The request deadline was exceeded.",
}
MISSING_CREDENTIALS = ("Request is missing required authentication credential. Expected OAuth 2 access token, "
                       "login cookie or other valid authentication credential. "
                       "See https://developers.google.com/identity/sign-in/web/devconsole-project.")


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An error answer: HTTP status plus the JSON body Google would send."""

    def __init__(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _google_error(status: int, message: str | None = None, details: list[dict] | None = None) -> dict:
    """The ``google.rpc.Status`` envelope: ``{"error": {"code", "message", "status", "details"?}}``."""
    error: dict = {"code": status, "message": message or _MESSAGES.get(status) or _phrase(status),
                   "status": _STATUS_NAMES.get(status, "UNKNOWN")}
    if details:
        error["details"] = details
    return {"error": error}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _ads_error(status: int, version: str, kind: str, code: str, message: str, request_id: str,
               extra: dict | None = None, top_message: str | None = None) -> ApiError:
    """An error whose details carry a ``GoogleAdsFailure`` with one ``errorCode`` of ``{kind: code}``."""
    entry: dict = {"errorCode": {kind: code}, "message": message}
    if extra:
        entry["details"] = extra
    failure = {"@type": f"type.googleapis.com/google.ads.googleads.{version}.errors.GoogleAdsFailure",
               "errors": [entry], "requestId": request_id}
    return ApiError(status, _google_error(status, top_message, [failure]))


class GaqlError(ValueError):
    """A GAQL query the emulator rejects: ``code`` is the ``queryError`` enum name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- GAQL fields


@dataclass(frozen=True)
class _Field:
    resource: str  # "customer", "campaign", "segments", "metrics"
    key: str  # lowerCamelCase JSON key
    kind: str  # "int64", "double", "string", "enum", "date"


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


_FIELD_KINDS = {
    "customer.resource_name": "string", "customer.id": "int64", "customer.descriptive_name": "string",
    "customer.currency_code": "string", "customer.time_zone": "string", "customer.manager": "bool",
    "campaign.resource_name": "string", "campaign.id": "int64", "campaign.name": "string",
    "campaign.status": "enum", "campaign.advertising_channel_type": "enum",
    "segments.date": "date",
    "metrics.cost_micros": "int64", "metrics.clicks": "int64", "metrics.impressions": "int64",
    "metrics.conversions": "double", "metrics.conversions_value": "double",
}
FIELDS = {name: _Field(name.split(".")[0], _camel(name.split(".")[1]), kind) for name, kind in _FIELD_KINDS.items()}
METRICS = tuple(name for name in FIELDS if name.startswith("metrics."))
_ENUMS = {
    "campaign.status": frozenset({"UNSPECIFIED", "UNKNOWN", "ENABLED", "PAUSED", "REMOVED"}),
    "campaign.advertising_channel_type": frozenset({
        "UNSPECIFIED", "UNKNOWN", "SEARCH", "DISPLAY", "SHOPPING", "HOTEL", "VIDEO", "MULTI_CHANNEL", "LOCAL",
        "SMART", "PERFORMANCE_MAX", "LOCAL_SERVICES", "TRAVEL", "DEMAND_GEN"}),
}
# Which resources a FROM resource may select (campaign's attributed resource is customer).
_SELECTABLE = {"campaign": frozenset({"customer", "campaign", "segments", "metrics"}),
               "customer": frozenset({"customer", "segments", "metrics"})}


# --------------------------------------------------------------------------- GAQL parsing


@dataclass(frozen=True)
class Condition:
    """One ``WHERE`` condition: ``field op values`` (BETWEEN and IN carry several values)."""

    field: str
    op: str
    values: tuple


@dataclass(frozen=True)
class GaqlQuery:
    """A parsed GAQL query."""

    select: tuple[str, ...]
    resource: str
    where: tuple[Condition, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    limit: int | None = None

    @property
    def segmented(self) -> bool:
        """True if the rows are per day (``segments.date`` selected)."""
        return "segments.date" in self.select

    @property
    def has_metrics(self) -> bool:
        """True if any metric is selected or filtered on."""
        return any(f.startswith("metrics.") for f in self.select) or any(
            c.field.startswith("metrics.") for c in self.where)

    def field_mask(self) -> str:
        """The ``fieldMask``: selected paths in camelCase, comma-separated."""
        return ",".join(f"{FIELDS[f].resource}.{FIELDS[f].key}" for f in self.select)


_TOKEN = re.compile(r"""\s*(?:(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)"""
                    r"""|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<op>!=|>=|<=|=|<|>|\(|\)|,))""")
_KEYWORDS = frozenset({"SELECT", "FROM", "WHERE", "AND", "ORDER", "BY", "ASC", "DESC", "LIMIT", "BETWEEN", "IN",
                       "NOT", "PARAMETERS", "DURING", "LIKE", "OR"})
_COMPARE = frozenset({"=", "!=", "<", "<=", ">", ">="})


@dataclass(frozen=True)
class _Tok:
    kind: str  # "str", "num", "name", "op", "kw", "end"
    text: str

    def is_kw(self, *words: str) -> bool:
        return self.kind == "kw" and self.text in words


def _tokenize(text: str) -> list[_Tok]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            rest = text[pos:].lstrip()
            if rest[:1] in ("'", '"'):
                raise GaqlError("STRING_NOT_TERMINATED", f"Error in query: unterminated string at {rest[:20]!r}.")
            raise GaqlError("UNEXPECTED_INPUT", f"Error in query: unexpected input {rest[:20]!r}.")
        kind = match.lastgroup or "op"
        value = match[kind]
        if kind == "name" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        tokens.append(_Tok(kind, value))
        pos = match.end()
    tokens.append(_Tok("end", ""))
    return tokens


class _Parser:
    """Recursive descent over the token list; every method consumes what it parses."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> _Tok:
        return self.tokens[self.pos]

    def take(self) -> _Tok:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect_kw(self, word: str, code: str) -> None:
        if not self.peek().is_kw(word):
            raise GaqlError(code, f"Error in query: expected {word}, got {self.peek().text or 'end of query'!r}.")
        self.take()

    def field(self) -> str:
        tok = self.take()
        if tok.kind != "name":
            raise GaqlError("BAD_FIELD_NAME" if tok.kind != "end" else "UNEXPECTED_END_OF_QUERY",
                            f"Error in query: expected a field name, got {tok.text or 'end of query'!r}.")
        if tok.text not in FIELDS:
            raise GaqlError("UNRECOGNIZED_FIELD", f"Unrecognized field in the query: '{tok.text}'.")
        return tok.text

    def field_list(self) -> list[str]:
        fields = [self.field()]
        while self.peek().text == ",":
            self.take()
            fields.append(self.field())
        return fields

    def value(self) -> str | int | float:
        tok = self.take()
        if tok.kind == "str":
            return re.sub(r"\\(.)", r"\1", tok.text[1:-1])
        if tok.kind == "num":
            return float(tok.text) if "." in tok.text else int(tok.text)
        if tok.kind == "name":  # enum constants may be written bare: campaign.status = ENABLED
            return tok.text
        raise GaqlError("BAD_VALUE" if tok.kind != "end" else "UNEXPECTED_END_OF_QUERY",
                        f"Error in query: expected a value, got {tok.text or 'end of query'!r}.")

    def value_list(self) -> tuple:
        if self.take().text != "(":
            raise GaqlError("EXPECTED_LIST", "Error in query: IN expects a parenthesised list.")
        values = [self.value()]
        while self.peek().text == ",":
            self.take()
            values.append(self.value())
        if self.take().text != ")":
            raise GaqlError("EXPECTED_LIST", "Error in query: unterminated value list.")
        return tuple(values)

    def condition(self) -> Condition:
        name = self.field()
        tok = self.take()
        if tok.is_kw("BETWEEN"):
            low = self.value()
            self.expect_kw("AND", "EXPECTED_AND")
            return Condition(name, "BETWEEN", (low, self.value()))
        if tok.is_kw("IN"):
            return Condition(name, "IN", self.value_list())
        if tok.is_kw("NOT") and self.peek().is_kw("IN"):
            self.take()
            return Condition(name, "NOT IN", self.value_list())
        if tok.kind == "op" and tok.text in _COMPARE:
            return Condition(name, tok.text, (self.value(),))
        raise GaqlError("BAD_OPERATOR", f"Error in query: unsupported operator {tok.text or 'end of query'!r}.")

    def where(self) -> list[Condition]:
        if not self.peek().is_kw("WHERE"):
            return []
        self.take()
        conditions = [self.condition()]
        while self.peek().is_kw("AND"):
            self.take()
            conditions.append(self.condition())
        return conditions

    def order_by(self) -> list[tuple[str, bool]]:
        if not self.peek().is_kw("ORDER"):
            return []
        self.take()
        self.expect_kw("BY", "EXPECTED_BY")
        out = []
        while True:
            name = self.field()
            descending = self.peek().is_kw("DESC")
            if self.peek().is_kw("ASC", "DESC"):
                self.take()
            out.append((name, descending))
            if self.peek().text != ",":
                return out
            self.take()

    def limit(self) -> int | None:
        if not self.peek().is_kw("LIMIT"):
            return None
        self.take()
        tok = self.take()
        if tok.kind != "num" or "." in tok.text or int(tok.text) < 1:
            raise GaqlError("BAD_LIMIT_VALUE", f"Error in query: bad LIMIT value {tok.text!r}.")
        return int(tok.text)

    def query(self) -> GaqlQuery:
        self.expect_kw("SELECT", "EXPECTED_SELECT")
        select = list(dict.fromkeys(self.field_list()))
        self.expect_kw("FROM", "EXPECTED_FROM")
        resource = self.take()
        if resource.kind != "name" or resource.text not in _SELECTABLE:
            raise GaqlError("BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                            f"Error in query: unsupported resource {resource.text or 'end of query'!r} in FROM.")
        where, order, limit = self.where(), self.order_by(), self.limit()
        if self.peek().kind != "end":
            raise GaqlError("UNEXPECTED_INPUT", f"Error in query: unexpected input {self.peek().text!r}.")
        return GaqlQuery(tuple(select), resource.text, tuple(where), tuple(order), limit)


def _coerce(name: str, value: str | int | float) -> object:
    """A literal as the Python value of the field's type (dates, ints, enum names)."""
    kind = FIELDS[name].kind
    try:
        if kind == "date":
            return date.fromisoformat(str(value))
        if kind == "int64":
            return int(value)
        if kind == "double":
            return Decimal(str(value))
    except ValueError as exc:
        raise GaqlError("BAD_VALUE", f"Error in query: {value!r} is not a valid value for {name}.") from exc
    if kind == "enum" and value not in _ENUMS[name]:
        raise GaqlError("BAD_ENUM_CONSTANT", f"Error in query: {value!r} is not a valid value for {name}.")
    return value


def _check(query: GaqlQuery) -> GaqlQuery:
    """Resource rules, the date-range rule and typed condition values."""
    allowed = _SELECTABLE[query.resource]
    for name in query.select:
        if FIELDS[name].resource not in allowed:
            raise GaqlError("PROHIBITED_RESOURCE_TYPE_IN_SELECT_CLAUSE",
                            f"Cannot select fields from resource '{FIELDS[name].resource}' FROM {query.resource}.")
    for name, _ in query.order_by:
        if FIELDS[name].resource not in allowed:
            raise GaqlError("PROHIBITED_FIELD_IN_ORDER_BY_CLAUSE", f"Cannot order by '{name}'.")
    where = []
    for cond in query.where:
        if FIELDS[cond.field].resource not in allowed:
            raise GaqlError("PROHIBITED_RESOURCE_TYPE_IN_WHERE_CLAUSE", f"Cannot filter on '{cond.field}'.")
        where.append(Condition(cond.field, cond.op, tuple(_coerce(cond.field, v) for v in cond.values)))
    query = GaqlQuery(query.select, query.resource, tuple(where), query.order_by, query.limit)
    low, high = _date_bounds(query.where)
    if query.segmented and (low is None or high is None):
        raise GaqlError("EXPECTED_FILTERS_ON_DATE_RANGE",
                        "Error in query: a finite date range filter on segments.date is required "
                        "when segments.date is selected.")
    return query


def parse_gaql(text: str) -> GaqlQuery:
    """Parse and check a GAQL query of the supported subset; GaqlError if the API would reject it."""
    if not isinstance(text, str) or not text.strip():
        raise GaqlError("UNEXPECTED_END_OF_QUERY", "Error in query: the query is empty.")
    return _check(_Parser(text).query())


def _date_bounds(where: Iterable[Condition]) -> tuple[date | None, date | None]:
    """The narrowest [low, high] that the segments.date conditions allow (None = open)."""
    low = high = None
    for cond in where:
        if cond.field != "segments.date":
            continue
        lo, hi = {"BETWEEN": (cond.values[0], cond.values[-1]), "=": (cond.values[0], cond.values[0]),
                  ">=": (cond.values[0], None), ">": (cond.values[0], None),
                  "<=": (None, cond.values[0]), "<": (None, cond.values[0])}.get(cond.op, (None, None))
        low = lo if low is None or (lo is not None and lo > low) else low
        high = hi if high is None or (hi is not None and hi < high) else high
    return low, high


_OPS: dict[str, Callable[[object, tuple], bool]] = {
    "=": lambda v, a: v == a[0], "!=": lambda v, a: v != a[0], "<": lambda v, a: v < a[0],
    "<=": lambda v, a: v <= a[0], ">": lambda v, a: v > a[0], ">=": lambda v, a: v >= a[0],
    "BETWEEN": lambda v, a: a[0] <= v <= a[1], "IN": lambda v, a: v in a, "NOT IN": lambda v, a: v not in a,
}


def _matches(row: dict[str, object], conditions: Iterable[Condition]) -> bool:
    return all(_OPS[c.op](row[c.field], c.values) for c in conditions)


# --------------------------------------------------------------------------- query execution


def _customer_values(customer: Customer) -> dict[str, object]:
    return {"customer.resource_name": customer.resource_name, "customer.id": int(customer.id),
            "customer.descriptive_name": customer.descriptive_name,
            "customer.currency_code": customer.currency_code, "customer.time_zone": customer.time_zone,
            "customer.manager": False}


def _campaign_values(campaign: Campaign) -> dict[str, object]:
    return {"campaign.resource_name": campaign.resource_name, "campaign.id": campaign.id,
            "campaign.name": campaign.name, "campaign.status": campaign.status,
            "campaign.advertising_channel_type": campaign.advertising_channel_type}


def _metric_values(row: CampaignDay) -> dict[str, object]:
    return {"segments.date": row.date, "metrics.cost_micros": row.cost_micros, "metrics.clicks": row.clicks,
            "metrics.impressions": row.impressions, "metrics.conversions": Decimal(repr(row.conversions)),
            "metrics.conversions_value": Decimal(repr(row.conversions_value))}


def _zero_metrics() -> dict[str, object]:
    return {name: (Decimal(0) if FIELDS[name].kind == "double" else 0) for name in METRICS}


def _entity_rows(world: GoogleAdsWorld, customer: Customer, query: GaqlQuery) -> list[dict[str, object]]:
    """Attribute-only queries: one row per campaign (or the customer), metrics not involved."""
    base = _customer_values(customer)
    if query.resource == "customer":
        rows = [base]
    else:
        rows = [{**base, **_campaign_values(c)} for c in world.campaigns.get(customer.id, ())]
    return [r for r in rows if _matches(r, (c for c in query.where if c.field in r))]


def _metric_rows(world: GoogleAdsWorld, customer: Customer, query: GaqlQuery) -> list[dict[str, object]]:
    """Daily rows filtered, grouped by (campaign?, date?) and summed; zero-activity groups do not exist."""
    low, high = _date_bounds(query.where)
    base = _customer_values(customer)
    campaigns = {c.id: _campaign_values(c) for c in world.campaigns.get(customer.id, ())}
    pre = [c for c in query.where if not c.field.startswith("metrics.")]
    post = [c for c in query.where if c.field.startswith("metrics.")]
    groups: dict[tuple, dict[str, object]] = {}
    for day in world.daily_rows(customer.id, low, high):
        flat = {**base, **campaigns[day.campaign_id], **_metric_values(day)}
        if not _matches(flat, pre):
            continue
        key = (day.campaign_id if query.resource == "campaign" else 0, day.date if query.segmented else None)
        group = groups.get(key)
        if group is None:
            groups[key] = flat
        else:
            for name in METRICS:
                group[name] += flat[name]
    return [g for _, g in sorted(groups.items(), key=lambda kv: (kv[0][1] or date.min, kv[0][0]))
            if _matches(g, post)]


def _sort_key(value: object) -> tuple:
    return (value is None, value)


def run_query(world: GoogleAdsWorld, customer: Customer, query: GaqlQuery) -> list[dict[str, object]]:
    """The flat result rows (GAQL field name -> Python value) of a query against one customer."""
    with world.lock:
        if query.has_metrics or query.segmented or any(c.field.startswith("segments.") for c in query.where):
            rows = _metric_rows(world, customer, query)
        else:
            rows = _entity_rows(world, customer, query)
    for name, descending in reversed(query.order_by):  # stable sorts, last key first
        rows.sort(key=lambda r, n=name: _sort_key(r.get(n)), reverse=descending)
    return rows if query.limit is None else rows[: query.limit]


def _encode(kind: str, value: object) -> object:
    """ProtoJSON: int64 as a string, double as a number, dates as ISO strings, the rest as is."""
    if kind == "int64":
        return str(value)
    if kind == "double":
        return float(value)  # type: ignore[arg-type]
    if kind == "date":
        return value.isoformat()  # type: ignore[union-attr]
    return value


def _to_json(query: GaqlQuery, row: dict[str, object], omit_zero_metrics: bool) -> dict:
    """One result row nested by resource; the FROM resource and every selected entity carry resourceName."""
    out: dict[str, dict] = {}
    for resource in dict.fromkeys((query.resource, *(FIELDS[f].resource for f in query.select))):
        out[resource] = {"resourceName": row[f"{resource}.resource_name"]} if resource in _SELECTABLE else {}
    for name in query.select:
        spec = FIELDS[name]
        value = row[name]
        if omit_zero_metrics and spec.resource == "metrics" and value == 0:
            continue
        out[spec.resource][spec.key] = _encode(spec.kind, value)
    return out


def _summary_row(query: GaqlQuery, rows: list[dict[str, object]], omit_zero_metrics: bool) -> dict:
    """``summaryRow``: the selected metrics summed over all rows."""
    totals = _zero_metrics()
    for row in rows:
        for name in METRICS:
            totals[name] += row[name]
    metrics = {FIELDS[n].key: _encode(FIELDS[n].kind, totals[n]) for n in query.select if n.startswith("metrics.")
               and not (omit_zero_metrics and totals[n] == 0)}
    return {"metrics": metrics}


# --------------------------------------------------------------------------- HTTP plumbing


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator answered (for test assertions): headers lowercased, a subset only."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: object
    status: int


@dataclass
class _AdsFault(_Fault):
    retry_delay_seconds: float | None = None


@dataclass
class _Result:
    """A query's serialized rows, kept for the follow-up pages of :search."""

    customer_id: str
    query_text: str
    rows: list[dict]
    field_mask: str
    summary: dict | None
    consumption: str


@dataclass
class _Request:
    method: str
    path: str
    headers: Message
    raw_body: bytes
    request_id: str = field(default_factory=lambda: base64.urlsafe_b64encode(uuid.uuid4().bytes)[:22].decode())


def _json_reply(status: int, payload: object, **headers: str) -> _Reply:
    return _Reply(status, json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(),
                  {"Content-Type": JSON_CT, **headers})


def _duration(seconds: float) -> str:
    """A ``google.protobuf.Duration`` in ProtoJSON: ``"2s"``, ``"1.500s"``."""
    return f"{int(seconds)}s" if float(seconds).is_integer() else f"{seconds:.3f}s"


class _AdsHandler(_Handler):
    server_version = "GoogleAdsEmulator/1.0"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, _MAX_BODY)) if length else b""
        reply = self.server.emulator._handle(self.command, self.path, self.headers, raw)
        self._send(reply)


class _AdsHTTPServer(_HTTPServer):
    """The Shopify emulator's server (connection tracking, quiet errors, no reverse DNS) with a body-reading handler."""

    def __init__(self, address: tuple[str, int], emulator: GoogleAdsEmulator) -> None:
        super().__init__(address, emulator)  # type: ignore[arg-type]  # duck-typed: needs only _handle()
        self.RequestHandlerClass = _AdsHandler


def _parse_body(raw: bytes, allowed: frozenset[str]) -> dict:
    """The JSON request body; ProtoJSON rejects unknown names such as ``pageSize`` (removed in v19)."""
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, _google_error(400, f"Invalid JSON payload received. {exc}.")) from exc
    if not isinstance(body, dict):
        raise ApiError(400, _google_error(400, "Invalid JSON payload received. Expected an object."))
    for key in body:
        if key not in allowed:
            message = f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.'
            raise ApiError(400, _google_error(400, message, [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                                                              "fieldViolations": [{"description": message}]}]))
    return body


def _form(request: _Request) -> dict[str, str]:
    """The token request's parameters: form-encoded (the norm) or JSON, plus HTTP Basic client credentials."""
    text = request.raw_body.decode("utf-8", "replace")
    if "json" in (request.headers.get("Content-Type") or ""):
        try:
            loaded = json.loads(text)
            form = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        except ValueError:
            form = {}
    else:
        form = dict(reversed(parse_qsl(text, keep_blank_values=True)))
    scheme, _, encoded = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
            form.setdefault("client_id", user)
            form.setdefault("client_secret", password)
        except (binascii.Error, UnicodeDecodeError):
            pass
    return form


# --------------------------------------------------------------------------- the emulator


class GoogleAdsEmulator(ServedEmulator):
    """Google Ads API REST on 127.0.0.1, serving a GoogleAdsWorld (see module docstring).

    ``page_size`` is the fixed server-side page (and stream batch) size; the
    real API uses 10,000. ``empty_result`` is "omit" (no ``results`` key) or
    "empty" (``"results": []``), ``zero_metrics`` is "present" or "omit"
    (api-contracts §9). ``developer_token`` set makes the ``developer-token``
    header mandatory and checked.
    """

    thread_name = "google-ads-emulator"

    def __init__(self, world: GoogleAdsWorld, *, client_id: str = "sandbox-client",
                 client_secret: str = "sandbox-secret", refresh_token: str = "sandbox-refresh",
                 developer_token: str | None = None, host: str = "127.0.0.1", port: int = 0,
                 api_version: str = DEFAULT_VERSION, page_size: int = 1000, token_ttl: int = 3599,
                 empty_result: str = "omit", zero_metrics: str = "present") -> None:
        if host not in _LOOPBACK:
            raise ValueError("the emulator binds to 127.0.0.1 only")
        if not re.fullmatch(r"v\d+", api_version):
            raise ValueError("api_version looks like 'v21'")
        if page_size < 1:
            raise ValueError("page_size must be >= 1")
        if empty_result not in ("omit", "empty") or zero_metrics not in ("present", "omit"):
            raise ValueError("empty_result is 'omit' or 'empty'; zero_metrics is 'present' or 'omit'")
        self.world = world
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.developer_token = developer_token
        self.host = "127.0.0.1"
        self.port = port
        self.api_version = api_version
        self.page_size = page_size
        self.token_ttl = token_ttl
        self.empty_result = empty_result
        self.zero_metrics = zero_metrics
        self.requests: list[RequestRecord] = []
        self.issued_tokens: list[str] = []
        self._tokens: dict[str, float] = {}  # access token -> monotonic expiry
        self._results: OrderedDict[str, _Result] = OrderedDict()
        self._faults: list[_AdsFault] = []
        self._lock = threading.Lock()
        self._server: _AdsHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def _bind(self) -> _AdsHTTPServer:
        return _AdsHTTPServer((self.host, self.port), self)

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint, ``<base_url>/token``."""
        return self.base_url + "/token"

    @property
    def api_url(self) -> str:
        """The versioned API base, ``<base_url>/<api_version>``."""
        return f"{self.base_url}/{self.api_version}"

    # ----------------------------------------------------------------- test controls

    def inject(self, status: int, count: int = 1, *, path_contains: str = "", delay: float = 0.0,
               body: str | None = None, retry_delay_seconds: float | None = None) -> None:
        """Script a fault for the next ``count`` requests whose path contains ``path_contains``.

        Errors answer in the Google error shape (wrapped in an array on
        searchStream). 429 is ``RESOURCE_EXHAUSTED`` with a quota error whose
        ``quotaErrorDetails.retryDelay`` and ``google.rpc.RetryInfo`` carry
        ``retry_delay_seconds`` (default 30). ``body="truncated"`` sends the real
        answer with its full Content-Length but half the bytes, then closes;
        ``body="invalid_json"`` cuts the JSON in half; any other ``body`` is sent
        as is. ``delay`` sleeps first; with status 200 and no body the request is
        then answered normally (a slow server).
        """
        with self._lock:
            self._faults.append(_AdsFault(status, count, path_contains, delay, body, retry_delay_seconds))

    def expire_tokens(self) -> None:
        """Invalidate every access token issued so far (the next API call answers 401)."""
        with self._lock:
            self._tokens.clear()

    # ----------------------------------------------------------------- request handling

    def _handle(self, method: str, raw_path: str, headers: Message, raw_body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        request = _Request(method, parts.path, headers, raw_body)
        stream = parts.path.endswith(":searchStream")
        fault = self._take_fault(parts.path)
        if fault is not None and fault.delay > 0:
            time.sleep(fault.delay)
        if fault is not None and (fault.status != 200 or fault.body not in (None, "truncated", "invalid_json")):
            reply = self._fault_reply(fault, request, stream)
        else:
            reply = self._serve(request, stream)
            if fault is not None and fault.body in ("truncated", "invalid_json"):
                reply = _damage(reply, fault.body)
        reply.headers["request-id"] = request.request_id
        self._log(request, dict(reversed(parse_qsl(parts.query, keep_blank_values=True))), reply.status)
        return reply

    def _log(self, request: _Request, query: dict[str, str], status: int) -> None:
        headers = {name: request.headers[name] for name in _LOGGED_HEADERS if request.headers.get(name) is not None}
        if request.path == "/token":
            body: object = _form(request)
        else:
            try:
                body = json.loads(request.raw_body) if request.raw_body.strip() else None
            except ValueError:
                body = request.raw_body.decode("utf-8", "replace")
        with self._lock:
            self.requests.append(RequestRecord(request.method, request.path, query, headers, body, status))

    def _serve(self, request: _Request, stream: bool) -> _Reply:
        try:
            if request.path == "/token" and request.method == "POST":
                return self._token(_form(request))
            match = _API_PATH.match(request.path)
            if match is None or request.method != "POST":
                raise ApiError(404, _google_error(404, f"The requested URL {request.path} was not found."))
            return self._api(request, match)
        except ApiError as err:
            return _json_reply(err.status, [err.body] if stream else err.body, **err.headers)

    def _fault_reply(self, fault: _AdsFault, request: _Request, stream: bool) -> _Reply:
        if fault.body is not None:
            return _Reply(fault.status, fault.body.encode(), {"Content-Type": JSON_CT})
        if fault.status == 429:
            body = self._quota_error(request, 30 if fault.retry_delay_seconds is None else fault.retry_delay_seconds)
        else:
            body = _google_error(fault.status)
        return _json_reply(fault.status, [body] if stream else body)

    def _quota_error(self, request: _Request, delay: float) -> dict:
        retry = _duration(delay)
        err = _ads_error(429, self.api_version, "quotaError", "RESOURCE_TEMPORARILY_EXHAUSTED",
                         f"Too many requests. Retry in {retry}.", request.request_id,
                         extra={"quotaErrorDetails": {"rateScope": "DEVELOPER",
                                                      "rateName": "Number of operations for basic access",
                                                      "retryDelay": retry}})
        err.body["error"]["details"].append({"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                             "retryDelay": retry})
        return err.body

    # ----------------------------------------------------------------- OAuth

    def _token(self, form: dict[str, str]) -> _Reply:
        """The refresh-token grant of ``https://oauth2.googleapis.com/token``."""
        headers = {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate", "Pragma": "no-cache"}
        if form.get("grant_type") != "refresh_token":
            return _json_reply(400, {"error": "unsupported_grant_type",
                                     "error_description": f"Invalid grant_type: {form.get('grant_type', '')}"},
                               **headers)
        for name in ("client_id", "refresh_token"):
            if not form.get(name):
                return _json_reply(400, {"error": "invalid_request",
                                         "error_description": f"Missing required parameter: {name}"}, **headers)
        if form["client_id"] != self.client_id:
            return _json_reply(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."},
                               **headers)
        if form.get("client_secret") != self.client_secret:
            return _json_reply(401, {"error": "invalid_client", "error_description": "Unauthorized"}, **headers)
        if form["refresh_token"] != self.refresh_token:
            return _json_reply(400, {"error": "invalid_grant",
                                     "error_description": "Token has been expired or revoked."}, **headers)
        token = "ya29.sandbox-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
            self.issued_tokens.append(token)
        return _json_reply(200, {"access_token": token, "expires_in": self.token_ttl, "scope": OAUTH_SCOPE,
                                 "token_type": "Bearer"}, **headers)

    # ----------------------------------------------------------------- the API

    def _api(self, request: _Request, match: re.Match) -> _Reply:
        self._check_version(match["version"])
        self._check_token(request)
        self._check_developer_token(request)
        customer = self._customer(request, match["customer"])
        if match["method"] == "searchStream":
            return self._search_stream(request, customer)
        return self._search(request, customer)

    def _check_version(self, version: str) -> None:
        if version == self.api_version:
            return
        if int(version[1:]) < int(self.api_version[1:]):
            raise _ads_error(400, self.api_version, "requestError", "UNSUPPORTED_VERSION",
                             f"Version {version} is deprecated. Requests to this version will be blocked.", "")
        raise ApiError(404, _google_error(404, f"The requested URL /{version}/... was not found on this server."))

    def _check_token(self, request: _Request) -> None:
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
        if not token:
            raise ApiError(401, _google_error(401, MISSING_CREDENTIALS), challenge)
        with self._lock:
            expiry = self._tokens.get(token.strip())
        if scheme.lower() != "bearer" or expiry is None or expiry <= time.monotonic():
            challenge["WWW-Authenticate"] += ', error="invalid_token"'
            raise ApiError(401, _google_error(401), challenge)

    def _check_developer_token(self, request: _Request) -> None:
        if self.developer_token is None:
            return  # retired on 2026-09-09: accepted and ignored
        sent = request.headers.get("developer-token")
        if not sent:
            raise _ads_error(400, self.api_version, "requestError", "DEVELOPER_TOKEN_PARAMETER_MISSING",
                             "The developer-token parameter is required for all requests.", request.request_id)
        if sent != self.developer_token:
            raise _ads_error(401, self.api_version, "authenticationError", "DEVELOPER_TOKEN_INVALID",
                             "The developer token is not valid.", request.request_id)

    def _customer(self, request: _Request, raw_id: str) -> Customer:
        """The addressed customer, enforcing the digits-only id and the login-customer-id rule."""
        if not raw_id.isdigit():
            raise _ads_error(400, self.api_version, "requestError", "INVALID_CUSTOMER_ID",
                             f"Invalid customer ID '{raw_id}' (digits only, no hyphens).", request.request_id)
        customer = self.world.customer(raw_id)
        login = (request.headers.get("login-customer-id") or "").strip()
        allowed = {customer.manager_id} if customer is not None and customer.manager_id else {"", raw_id}
        if customer is None or login not in allowed:
            raise _ads_error(403, self.api_version, "authorizationError", "USER_PERMISSION_DENIED",
                             "User doesn't have permission to access customer. Note: If you're accessing a client "
                             "customer, the manager's customer id must be set in the 'login-customer-id' header. "
                             "See https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid",
                             request.request_id)
        return customer

    def _query(self, request: _Request, body: dict) -> GaqlQuery:
        try:
            return parse_gaql(body.get("query", ""))
        except GaqlError as err:
            raise _ads_error(400, self.api_version, "queryError", err.code, err.message,
                             request.request_id) from err

    def _summary_setting(self, request: _Request, body: dict, query: GaqlQuery) -> str:
        setting = body.get("summaryRowSetting", "NO_SUMMARY_ROW")
        if setting not in _SUMMARY_SETTINGS:
            raise ApiError(400, _google_error(
                400, f'Invalid value at \'summary_row_setting\': "{setting}"'))
        if setting.startswith("SUMMARY_ROW") and not any(f.startswith("metrics.") for f in query.select):
            raise _ads_error(400, self.api_version, "requestError",
                             "CANNOT_RETURN_SUMMARY_ROW_FOR_REQUEST_WITHOUT_METRICS",
                             "Summary row requested without metrics.", request.request_id)
        return setting

    def _execute(self, request: _Request, customer: Customer, body: dict) -> _Result:
        query = self._query(request, body)
        setting = self._summary_setting(request, body, query)
        omit = self.zero_metrics == "omit"
        flat = run_query(self.world, customer, query)
        rows = [] if setting == "SUMMARY_ROW_ONLY" else [_to_json(query, r, omit) for r in flat]
        summary = _summary_row(query, flat, omit) if setting.startswith("SUMMARY_ROW") else None
        consumption = str(len(query.select) * 2 + len(flat) // 50 + 1)
        return _Result(customer.id, body.get("query", ""), rows, query.field_mask(), summary, consumption)

    def _search(self, request: _Request, customer: Customer) -> _Reply:
        body = _parse_body(request.raw_body, _SEARCH_KEYS)
        token = body.get("pageToken")
        if token:
            result, offset = self._cached(request, customer, body, str(token))
        else:
            result, offset = self._execute(request, customer, body), 0
            if body.get("validateOnly"):
                return _json_reply(200, {"fieldMask": result.field_mask})
        end = offset + self.page_size
        page = result.rows[offset:end]
        out: dict[str, object] = {}
        if page or self.empty_result == "empty":
            out["results"] = page
        if end < len(result.rows):
            out["nextPageToken"] = self._remember(result, end)
        if body.get("returnTotalResultsCount"):
            out["totalResultsCount"] = str(len(result.rows))
        out["fieldMask"] = result.field_mask
        if result.summary is not None and end >= len(result.rows):
            out["summaryRow"] = result.summary
        out["queryResourceConsumption"] = result.consumption
        return _json_reply(200, out)

    def _search_stream(self, request: _Request, customer: Customer) -> _Reply:
        body = _parse_body(request.raw_body, _STREAM_KEYS)
        result = self._execute(request, customer, body)
        chunks = [result.rows[i: i + self.page_size] for i in range(0, len(result.rows), self.page_size)] or [[]]
        batches: list[dict[str, object]] = []
        for chunk in chunks:
            batch: dict[str, object] = {}
            if chunk or self.empty_result == "empty":
                batch["results"] = chunk
            batch["fieldMask"] = result.field_mask
            batch["requestId"] = request.request_id
            batches.append(batch)
        if result.summary is not None:
            batches[-1]["summaryRow"] = result.summary
        batches[-1]["queryResourceConsumption"] = result.consumption
        return _json_reply(200, batches)

    # ----------------------------------------------------------------- page tokens

    def _remember(self, result: _Result, offset: int) -> str:
        """A page token for ``offset`` of a cached result (the cache keeps the newest results)."""
        with self._lock:
            key = next((k for k, v in self._results.items() if v is result), None)
            if key is None:
                key = uuid.uuid4().hex
                self._results[key] = result
                while len(self._results) > _PAGE_CACHE_SIZE:
                    self._results.popitem(last=False)
        raw = json.dumps({"r": key, "o": offset}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _cached(self, request: _Request, customer: Customer, body: dict, token: str) -> tuple[_Result, int]:
        """The cached result and offset behind a page token, for the identical query only."""
        try:
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            key, offset = str(payload["r"]), int(payload["o"])
        except (ValueError, TypeError, KeyError, binascii.Error) as exc:
            raise _ads_error(400, self.api_version, "requestError", "INVALID_PAGE_TOKEN",
                             "Page token is invalid.", request.request_id) from exc
        with self._lock:
            result = self._results.get(key)
        if result is None:
            raise _ads_error(400, self.api_version, "requestError", "EXPIRED_PAGE_TOKEN",
                             "Page token has expired.", request.request_id)
        if result.customer_id != customer.id or result.query_text != body.get("query", ""):
            raise _ads_error(400, self.api_version, "requestError", "INVALID_PAGE_TOKEN",
                             "Page token is invalid: the request must repeat the query of the first page.",
                             request.request_id)
        return result, offset
