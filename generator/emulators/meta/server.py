"""A local Meta Marketing API (Graph) Ads Insights emulator on 127.0.0.1 (api-contracts §1.2 and §4).

It serves a :class:`~generator.emulators.meta.world.MetaWorld` live, so
``world.advance()`` between two pipeline runs shows up as new and restated
days. Reproduced: ``GET /{version}/act_{id}/insights`` with ``level``,
``fields`` (comma list or JSON array), ``time_range``/``date_preset``,
``time_increment``, ``breakdowns=publisher_platform``,
``action_attribution_windows`` and ``limit``; every number as a JSON string;
``paging.next`` as an absolute URL on this emulator that repeats every
original parameter plus ``after`` (absent on the last page); async report
runs (``POST …/insights`` → ``report_run_id`` → polled ``async_status`` →
paged ``GET /{report_run_id}/insights``); Graph error bodies with rate limits
as **HTTP 400** (codes 4/17/613/80000) plus the usage headers; scripted faults.

The clock: ``world.end`` is "yesterday", so ``date_preset=yesterday`` is the
newest day with data and ``today`` is empty. Without a date parameter the
range is ``last_30d``.

Usage::

    with MetaEmulator(build_meta_world()) as meta:
        requests.get(f"{meta.graph_url}/act_1000001/insights", timeout=5,
                     params={"access_token": meta.access_token, "level": "campaign", "time_increment": "1",
                             "fields": "campaign_id,spend,actions", "date_preset": "last_7d"})
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.message import Message
from urllib.parse import parse_qsl, urlencode, urlsplit

from generator.emulators._served import ServedEmulator
from generator.emulators.meta.world import (
    ACTION_TYPES,
    LEVELS,
    WINDOWS,
    Account,
    AdDay,
    MetaWorld,
    Metrics,
)
from generator.emulators.shopify.server import _MAX_BODY, RequestRecord, _Fault, _Handler, _HTTPServer, _Reply

__all__ = ["MetaEmulator", "MetaRequestRecord", "RATE_LIMIT_CODES"]

DEFAULT_VERSION = "v21.0"
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009,
                              80014})
ASYNC_STEPS = (("Job Not Started", 0), ("Job Started", 10), ("Job Running", 60))
_LOOPBACK = ("127.0.0.1", "localhost")
_PATH = re.compile(r"^/(?:(?P<version>v\d+\.\d+)/)?(?P<rest>[^?]*)$")
_JSON_CT = "application/json; charset=UTF-8"
_DAY = timedelta(days=1)
_SIX = Decimal("0.000001")
_CALLS_PER_MINUTE = 600  # what 100 % in the usage headers means (illustrative, api-contracts §9)

# code -> (message, subcode); messages as the Graph API words them
_ERRORS: dict[int, tuple[str, int | None]] = {
    1: ("An unknown error occurred", 99),
    2: ("An unexpected error has occurred. Please retry your request later.", None),
    4: ("(#4) Application request limit reached", 1504022),
    10: ("(#10) Application does not have permission for this action", None),
    17: ("(#17) User request limit reached", 2446079),
    32: ("(#32) Page request limit reached", None),
    100: ("(#100) Invalid parameter", None),
    104: ("An access token is required to request this resource.", None),
    190: ("Invalid OAuth access token - Cannot parse access token", None),
    200: ("(#200) Ad account owner has NOT grant ads_management or ads_read permission", None),
    613: ("(#613) Calls to this api have exceeded the rate limit.", 1487742),
    803: ("(#803) Some of the aliases you requested do not exist", None),
    2500: ("Unknown path components", None),
    80000: ("(#80000) There have been too many calls from this ad-account. Wait a bit and try again. For more "
            "info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.", 2446079),
}
_TRANSIENT = {1, 2} | RATE_LIMIT_CODES
_STATUS_CODES = {400: 100, 401: 190, 403: 200, 404: 803, 429: 4, 500: 1, 503: 2}


class GraphError(Exception):
    """An error answer: HTTP status plus Graph's ``{"error": {...}}`` fields."""

    def __init__(self, status: int, code: int, message: str | None = None, *, subcode: int | None = None,
                 error_type: str = "OAuthException") -> None:
        known_message, known_subcode = _ERRORS.get(code, (None, None))
        self.status = status
        self.code = code
        self.message = message or known_message or _generic_message(code)
        self.subcode = subcode if subcode is not None else known_subcode
        self.error_type = error_type
        super().__init__(status, code, self.message)

    def body(self) -> dict:
        """The JSON error body, with a fresh ``fbtrace_id``."""
        error: dict[str, object] = {"message": self.message, "type": self.error_type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.code in _TRANSIENT:
            error["is_transient"] = True
        error["fbtrace_id"] = _trace_id()
        return {"error": error}


def _generic_message(code: int) -> str:
    if 80000 <= code < 80100:
        return (f"(#{code}) There have been too many calls from this ad-account. Wait a bit and try again. "
                "For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.")
    return f"(#{code}) An error occurred"


def _trace_id() -> str:
    return secrets.token_urlsafe(8)[:11]


def _bad_param(message: str, subcode: int | None = None) -> GraphError:
    return GraphError(400, 100, f"(#100) {message}", subcode=subcode)


def _no_object(object_id: str, method: str) -> GraphError:
    return GraphError(400, 100, f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
                      "cannot be loaded due to missing permissions, or does not support this operation. Please read "
                      "the Graph API documentation at https://developers.facebook.com/docs/graph-api",
                      subcode=33, error_type="GraphMethodException")


@dataclass(frozen=True)
class MetaRequestRecord(RequestRecord):
    """One answered request; ``body`` holds the parsed POST parameters (JSON object or form fields)."""

    body: dict | None = None


@dataclass
class _MetaFault(_Fault):
    error_code: int | None = None


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class _Query:
    """A validated Insights request."""

    level: str
    fields: tuple[str, ...]
    since: date
    until: date
    increment: str  # "all_days", "monthly" or a number of days
    windows: tuple[str, ...]
    breakdowns: tuple[str, ...]


_ENTITY_FIELDS = {"account_id": "account", "account_name": "account", "account_currency": "account",
                  "campaign_id": "campaign", "campaign_name": "campaign", "objective": "campaign",
                  "adset_id": "adset", "adset_name": "adset", "ad_id": "ad", "ad_name": "ad"}
_METRIC_FIELDS = ("spend", "impressions", "clicks", "reach", "frequency", "ctr", "cpc", "cpm", "inline_link_clicks",
                  "actions", "action_values", "cost_per_action_type", "purchase_roas", "website_purchase_roas")
_KNOWN_FIELDS = (*_ENTITY_FIELDS, *_METRIC_FIELDS, "date_start", "date_stop")
_DEFAULT_FIELDS = ("impressions", "spend")
_BREAKDOWNS = ("publisher_platform",)


def _parse_list(name: str, raw: str) -> list[str]:
    """A comma list or a JSON array string (as the SDKs send it)."""
    text = raw.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise _bad_param(f"Param {name} must be an array.") from exc
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise _bad_param(f"Param {name} must be an array of strings.")
        return [i.strip() for i in items if i.strip()]
    return [i.strip() for i in text.split(",") if i.strip()]


def _check_members(name: str, items: list[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    for pos, item in enumerate(items):
        if item not in allowed:
            raise _bad_param(f"{name}[{pos}] must be one of the following values: {', '.join(allowed)}")
    return tuple(dict.fromkeys(items))


def _parse_day(text: object) -> date:
    if not isinstance(text, str):
        raise ValueError(text)
    return date.fromisoformat(text)


def _parse_time_range(raw: str) -> tuple[date, date]:
    try:
        value = json.loads(raw)
        since, until = _parse_day(value["since"]), _parse_day(value["until"])
    except (ValueError, TypeError, KeyError) as exc:
        raise _bad_param("Param time_range must be a JSON object like {\"since\":\"YYYY-MM-DD\","
                         "\"until\":\"YYYY-MM-DD\"}") from exc
    if since > until:
        raise _bad_param("Param time_range: since must be on or before until")
    return since, until


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _presets(today: date, first: date) -> dict[str, tuple[date, date]]:
    yesterday = today - _DAY
    last_month_end = _month_start(today) - _DAY
    monday = today - timedelta(days=today.weekday())
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    ranges = {"today": (today, today), "yesterday": (yesterday, yesterday),
              "this_month": (_month_start(today), today), "last_month": (_month_start(last_month_end), last_month_end),
              "this_quarter": (quarter, today), "this_year": (date(today.year, 1, 1), today),
              "last_year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
              "this_week_mon_today": (monday, today), "last_week_mon_sun": (monday - 7 * _DAY, monday - _DAY),
              "maximum": (min(first, yesterday), today)}
    for days in (3, 7, 14, 28, 30, 90):
        ranges[f"last_{days}d"] = (today - timedelta(days=days), yesterday)
    return ranges


def _parse_range(params: dict[str, str], today: date, first: date) -> tuple[date, date]:
    if "time_ranges" in params:
        raise _bad_param("Param time_ranges is not supported by this emulator; send one time_range per request")
    if "time_range" in params:
        return _parse_time_range(params["time_range"])
    presets = _presets(today, first)
    preset = params.get("date_preset", "last_30d")
    if preset not in presets:
        raise _bad_param(f"date_preset must be one of the following values: {', '.join(sorted(presets))}")
    return presets[preset]


def _parse_increment(raw: str | None) -> str:
    if raw is None or raw == "all_days":
        return "all_days"
    if raw == "monthly" or (raw.isdigit() and 1 <= int(raw) <= 90):
        return raw
    raise _bad_param("Param time_increment must be 'monthly', 'all_days' or an integer between 1 and 90")


def _parse_query(params: dict[str, str], today: date, first: date) -> _Query:
    level = params.get("level", "account")
    if level not in LEVELS:
        raise _bad_param(f"level must be one of the following values: {', '.join(LEVELS)}")
    fields = _check_members("fields", _parse_list("fields", params["fields"]), _KNOWN_FIELDS) \
        if "fields" in params else _DEFAULT_FIELDS
    windows = _parse_list("action_attribution_windows", params.get("action_attribution_windows", ""))
    windows = [w for w in windows if w != "default"]
    since, until = _parse_range(params, today, first)
    return _Query(level, fields, since, until, _parse_increment(params.get("time_increment")),
                  _check_members("action_attribution_windows", windows, WINDOWS),
                  _check_members("breakdowns", _parse_list("breakdowns", params.get("breakdowns", "")), _BREAKDOWNS))


def _parse_limit(params: dict[str, str], default: int) -> int:
    raw = params.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise _bad_param("Param limit must be a positive integer")
    return int(raw)


def _post_params(headers: Message, payload: bytes) -> dict:
    """The POST body as sent: a JSON object or form fields."""
    if not payload:
        return {}
    try:
        if "json" in (headers.get("Content-Type") or ""):
            body = json.loads(payload)
            if not isinstance(body, dict):
                raise ValueError(body)
            return body
        return dict(reversed(parse_qsl(payload.decode(), keep_blank_values=True)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad_param("The request body could not be parsed") from exc


def _as_param(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


# --------------------------------------------------------------------------- aggregation and row formatting


def _bucket(day: date, q: _Query) -> tuple[date, date]:
    """(date_start, date_stop) of the reporting period that contains ``day``."""
    if q.increment == "all_days":
        return q.since, q.until
    if q.increment == "monthly":
        start = _month_start(day)
        stop = (start + timedelta(days=32)).replace(day=1) - _DAY
        return max(start, q.since), min(stop, q.until)
    step = int(q.increment)
    start = q.since + timedelta(days=(day - q.since).days // step * step)
    return start, min(start + timedelta(days=step - 1), q.until)


_LEVEL_ATTR = {"account": "account_id", "campaign": "campaign_id", "adset": "adset_id", "ad": "ad_id"}


def _aggregate(rows: list[AdDay], q: _Query) -> list[tuple[tuple, Metrics]]:
    """Sum ad-days into (period, entity id, breakdown value) groups, sorted."""
    attr = _LEVEL_ATTR[q.level]
    groups: dict[tuple, Metrics] = {}
    for row in rows:
        period = _bucket(row.day, q)
        entity = getattr(row, attr)
        if q.breakdowns:
            for platform, metrics in row.platforms.items():
                groups.setdefault((period, entity, platform), Metrics()).add(metrics)
        else:
            groups.setdefault((period, entity, ""), Metrics()).add(row.totals())
    return sorted(groups.items(), key=lambda item: item[0])


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> str | None:
    if not denominator:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(_SIX, ROUND_HALF_UP))


def _stats(stats: dict[str, dict], windows: tuple[str, ...], fmt: Callable[[object], str]) -> list[dict] | None:
    out = []
    for action_type in ACTION_TYPES:
        counts = stats.get(action_type)
        value = counts["7d_click"] + counts["1d_view"] if counts else 0
        if not counts or not (value or any(counts[w] for w in windows)):
            continue  # types without activity in the reported windows are left out, as Meta does
        entry = {"action_type": action_type, "value": fmt(value)}
        entry.update({w: fmt(counts[w]) for w in windows})
        out.append(entry)
    return out or None


def _cost_per_action(m: Metrics) -> list[dict] | None:
    out = [{"action_type": t, "value": _ratio(m.spend, m.action(t))} for t in ACTION_TYPES if m.action(t)]
    return out or None


def _roas(m: Metrics, action_type: str) -> list[dict] | None:
    value = m.action_value(action_type)
    if not value or not m.spend:
        return None
    return [{"action_type": action_type, "value": _ratio(value, m.spend)}]


@dataclass
class _Ctx:
    account: Account
    names: dict[str, str]
    m: Metrics
    windows: tuple[str, ...]


_VALUES: dict[str, Callable[[_Ctx], object]] = {
    "account_id": lambda c: c.account.account_id,
    "account_name": lambda c: c.account.name,
    "account_currency": lambda c: c.account.currency,
    "spend": lambda c: _money(c.m.spend),
    "impressions": lambda c: str(c.m.impressions),
    "clicks": lambda c: str(c.m.clicks),
    "reach": lambda c: str(c.m.reach),
    "frequency": lambda c: _ratio(c.m.impressions, c.m.reach),
    "ctr": lambda c: _ratio(c.m.clicks * 100, c.m.impressions),
    "cpc": lambda c: _ratio(c.m.spend, c.m.clicks),
    "cpm": lambda c: _ratio(c.m.spend * 1000, c.m.impressions),
    "inline_link_clicks": lambda c: str(c.m.action("link_click")),
    "actions": lambda c: _stats(c.m.actions, c.windows, str),
    "action_values": lambda c: _stats(c.m.action_values, c.windows, lambda v: _money(Decimal(v))),
    "cost_per_action_type": lambda c: _cost_per_action(c.m),
    "purchase_roas": lambda c: _roas(c.m, "omni_purchase"),
    "website_purchase_roas": lambda c: _roas(c.m, "offsite_conversion.fb_pixel_purchase"),
}


def _entity_names(world: MetaWorld, level: str, entity_id: str) -> dict[str, str]:
    """campaign_id/campaign_name/... of the row's entity and its parents."""
    names: dict[str, str] = {}
    ad = world.ad(entity_id) if level == "ad" else None
    adset = world.adset(ad.adset_id if ad else entity_id) if level in ("ad", "adset") else None
    campaign = world.campaign(adset.campaign_id if adset else entity_id) if level != "account" else None
    for prefix, entity in (("ad", ad), ("adset", adset), ("campaign", campaign)):
        if entity is not None:
            names[f"{prefix}_id"] = entity.id
            names[f"{prefix}_name"] = entity.name
    if campaign is not None:
        names["objective"] = campaign.objective
    return names


def _format_row(world: MetaWorld, account: Account, q: _Query, key: tuple, metrics: Metrics) -> dict:
    (start, stop), entity_id, platform = key
    ctx = _Ctx(account, _entity_names(world, q.level, entity_id), metrics, q.windows)
    row: dict[str, object] = {}
    for name in q.fields:
        if name in ("date_start", "date_stop"):
            continue
        value = ctx.names.get(name) if name in ctx.names else (_VALUES[name](ctx) if name in _VALUES else None)
        if value is not None:
            row[name] = value
    row["date_start"] = start.isoformat()
    row["date_stop"] = stop.isoformat()
    if platform:
        row["publisher_platform"] = platform
    return row


# --------------------------------------------------------------------------- cursors and paging


def _cursor(index: int) -> str:
    """Meta-style cursor: base64 of the row index with each '=' written as 'ZD' ("MAZDZD" is row 0)."""
    return base64.b64encode(str(index).encode()).decode().replace("=", "ZD")


def _uncursor(token: str) -> int:
    for pad in (0, 1, 2):
        if pad and not token.endswith("ZD" * pad):
            continue
        try:
            index = int(base64.b64decode(token[: len(token) - 2 * pad] + "=" * pad, validate=True))
        except (ValueError, binascii.Error):
            continue
        if index >= 0 and _cursor(index) == token:
            return index
    raise _bad_param("Invalid cursor", subcode=None)


def _window(total: int, params: dict[str, str], limit: int) -> range:
    """Row indexes of the requested page (``after`` wins over ``before``)."""
    if "after" in params:
        start = _uncursor(params["after"]) + 1
        return range(min(start, total), min(start + limit, total))
    if "before" in params:
        stop = min(_uncursor(params["before"]), total)
        return range(max(0, stop - limit), stop)
    return range(0, min(limit, total))


# --------------------------------------------------------------------------- async report runs


@dataclass
class _ReportRun:
    id: str
    account: Account
    query: _Query
    rows: list[dict]
    created: int
    fail: bool
    polls: int = 0
    completed: int | None = None


def _run_status(run: _ReportRun, polls_needed: int) -> dict:
    """The AdReportRun object after ``run.polls`` polls."""
    done = run.polls > polls_needed
    if done and run.completed is None:
        run.completed = int(time.time())
    if not done:
        status, percent = ASYNC_STEPS[min(len(ASYNC_STEPS) - 1, run.polls * len(ASYNC_STEPS) // (polls_needed + 1))]
    else:
        status, percent = ("Job Failed", 60) if run.fail else ("Job Completed", 100)
    body: dict[str, object] = {"id": run.id, "account_id": run.account.account_id, "time_ref": run.created,
                               "async_status": status, "async_percent_completion": percent,
                               "date_start": run.query.since.isoformat(), "date_stop": run.query.until.isoformat(),
                               "is_running": not done}
    if done:
        body["time_completed"] = run.completed
    if done and run.fail:
        body.update({"error_code": -2, "error_subcode": 2490547, "error_message": "Report Failed"})
    return body


# --------------------------------------------------------------------------- HTTP plumbing


class _MetaHandler(_Handler):
    """The Shopify handler, but the request body is passed on (async runs take POST parameters)."""

    server_version = "MetaEmulator/1.0"

    def _answer(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), _MAX_BODY)
        payload = self.rfile.read(length) if length else b""
        reply = self.server.emulator._handle(self.command, self.path, self.headers, payload)
        self._send(reply)


class _MetaHTTPServer(_HTTPServer):
    """The Shopify emulator's server (connection tracking, quiet errors, no reverse DNS) with this handler."""

    def __init__(self, address: tuple[str, int], emulator: MetaEmulator) -> None:
        super().__init__(address, emulator)  # type: ignore[arg-type]  # duck-typed: needs only _handle()
        self.RequestHandlerClass = _MetaHandler


def _json(status: int, payload: object, **headers: str) -> _Reply:
    return _Reply(status, json.dumps(payload, separators=(",", ":")).encode(), {"Content-Type": _JSON_CT, **headers})


def _error_reply(err: GraphError) -> _Reply:
    reply = _json(err.status, err.body())
    if err.code == 190:
        reply.headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{err.message}"'
    return reply


def _version_key(version: str) -> tuple[int, int]:
    major, minor = version[1:].split(".")
    return int(major), int(minor)


# --------------------------------------------------------------------------- the emulator


class MetaEmulator(ServedEmulator):
    """The Graph API Ads Insights endpoints on 127.0.0.1, serving a MetaWorld (see module docstring).

    ``api_version`` is the newest version served; older ones answer code 2635
    (deprecated), newer ones are accepted. ``page_size`` is the default
    ``limit``. ``async_polls`` is how many status polls a report run answers
    before it completes. ``max_sync_rows`` (None = unlimited) makes a bigger
    synchronous result fail with HTTP 500 code 1 "Please reduce the amount of
    data…", which pushes clients to the async flow.
    """

    thread_name = "meta-emulator"

    def __init__(self, world: MetaWorld, *, access_token: str = "EAAB-sandbox-token", host: str = "127.0.0.1",
                 port: int = 0, api_version: str = DEFAULT_VERSION, page_size: int = 25, async_polls: int = 3,
                 max_sync_rows: int | None = None) -> None:
        if host not in _LOOPBACK:
            raise ValueError("the emulator binds to 127.0.0.1 only")
        if not re.fullmatch(r"v\d+\.\d+", api_version):
            raise ValueError(f"api_version must look like 'v21.0', not {api_version!r}")
        if page_size < 1 or async_polls < 0:
            raise ValueError("page_size must be >= 1 and async_polls >= 0")
        self.world = world
        self.access_token = access_token
        self.host = "127.0.0.1"
        self.port = port
        self.api_version = api_version
        self.page_size = page_size
        self.async_polls = async_polls
        self.max_sync_rows = max_sync_rows
        self.requests: list[MetaRequestRecord] = []
        self._faults: list[_MetaFault] = []
        self._failing_reports = 0
        self._runs: dict[str, _ReportRun] = {}
        self._run_ids = 6_120_000_000_000_000
        self._calls: deque[float] = deque()
        self._cache: dict[tuple, list[dict]] = {}
        self._lock = threading.Lock()
        self._server: _MetaHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def _bind(self) -> _MetaHTTPServer:
        return _MetaHTTPServer((self.host, self.port), self)

    @property
    def graph_url(self) -> str:
        """``<base_url>/<api_version>``, the base URL clients configure instead of graph.facebook.com."""
        return f"{self.base_url}/{self.api_version}"

    # ----------------------------------------------------------------- test controls

    def inject(self, status: int, count: int = 1, *, path_contains: str = "", delay: float = 0.0,
               body: str | None = None, error_code: int | None = None) -> None:
        """Script a fault for the next ``count`` requests whose path contains ``path_contains``.

        ``error_code`` picks the Graph error (17, 4, 613, 80000 … rate limits
        with their subcodes and usage headers at 100 %; 190, 10, 200, 100, 1,
        2 …); without it the code follows the status (400 → 100, 401 → 190,
        403 → 200, 500 → 1, 503 → 2, other 5xx → 1). ``body`` replaces the
        answer as is, except ``"truncated"`` (the real answer, connection cut
        half-way) and ``"invalid_json"`` (the real answer's JSON cut in half).
        ``delay`` sleeps first; status 200 without body or code then answers
        normally (a slow server).
        """
        with self._lock:
            self._faults.append(_MetaFault(status, count, path_contains, delay, body, error_code))

    def fail_next_reports(self, count: int = 1) -> None:
        """The next ``count`` async report runs end in ``Job Failed`` instead of ``Job Completed``."""
        with self._lock:
            self._failing_reports += count

    # ----------------------------------------------------------------- request handling

    def _handle(self, method: str, raw_path: str, headers: Message, payload: bytes = b"") -> _Reply:
        parts = urlsplit(raw_path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = dict(reversed(pairs))  # first occurrence wins
        account_hint = self._account_hint(parts.path)
        fault = self._take_fault(parts.path)
        if fault is not None and fault.delay > 0:
            time.sleep(fault.delay)
        body: dict | None = None
        if fault is not None and (fault.status != 200 or fault.error_code is not None
                                  or fault.body not in (None, "truncated", "invalid_json")):
            reply = self._fault_reply(fault, account_hint)
        else:
            reply, body = self._serve(method, parts.path, pairs, query, headers, payload)
            reply.headers.update(self._usage(account_hint, None))
            _damage(reply, fault.body if fault is not None else None)
        reply.headers.update({"x-fb-trace-id": _trace_id(), "x-fb-request-id": secrets.token_hex(12),
                              "facebook-api-version": self.api_version})
        with self._lock:
            self.requests.append(MetaRequestRecord(method, parts.path, query, reply.status, body))
        return reply

    def _account_hint(self, path: str) -> str:
        """The numeric ad account id a path belongs to (for the usage headers), or ""."""
        segments = [s for s in path.split("/") if s and not re.fullmatch(r"v\d+\.\d+", s)]
        head = segments[0] if segments else ""
        if head.startswith("act_"):
            return head[4:]
        with self._lock:
            run = self._runs.get(head)
        return run.account.account_id if run else ""

    def _fault_reply(self, fault: _MetaFault, account: str) -> _Reply:
        if fault.body is not None and fault.body not in ("truncated", "invalid_json"):
            return _Reply(fault.status, fault.body.encode(), {"Content-Type": _JSON_CT})
        code = fault.error_code
        if code is None:
            code = _STATUS_CODES.get(fault.status, 1 if fault.status >= 500 else 100)
        reply = _error_reply(GraphError(fault.status, code))
        reply.headers.update(self._usage(account, code))
        return reply

    def _usage(self, account: str, code: int | None) -> dict[str, str]:
        """The usage headers; the one matching a rate-limit ``code`` shows 100 % and a wait."""
        now = time.monotonic()
        with self._lock:
            self._calls.append(now)
            while self._calls and self._calls[0] < now - 60:
                self._calls.popleft()
            pct = min(100, math.ceil(len(self._calls) * 100 / _CALLS_PER_MINUTE))
        hot = "app" if code in (4, 17, 32) else "account" if code == 613 else "buc" if code and code >= 80000 else ""
        app = 100 if hot == "app" else pct
        acc = 100 if hot == "account" else pct
        buc = 100 if hot == "buc" else pct
        wait = 1 if hot else 0
        headers = {"x-app-usage": json.dumps({"call_count": app, "total_cputime": max(1, app // 2), "total_time": app})}
        if account:
            headers["x-ad-account-usage"] = json.dumps({"acc_id_util_pct": acc, "reset_time_duration": 60 * wait,
                                                        "ads_api_access_tier": "standard_access"})
            headers["x-business-use-case-usage"] = json.dumps({account: [{
                "type": "ads_insights", "call_count": buc, "total_cputime": max(1, buc // 2), "total_time": buc,
                "estimated_time_to_regain_access": wait, "ads_api_access_tier": "standard_access"}]})
            headers["x-fb-ads-insights-throttle"] = json.dumps({"app_id_util_pct": float(app),
                                                                "acc_id_util_pct": float(acc),
                                                                "ads_api_access_tier": "standard_access"})
        return headers

    def _serve(self, method: str, path: str, pairs: list[tuple[str, str]], query: dict[str, str],
               headers: Message, payload: bytes) -> tuple[_Reply, dict | None]:
        body: dict | None = None
        try:
            if method == "POST":
                body = _post_params(headers, payload)
            params = {**query, **{k: _as_param(v) for k, v in (body or {}).items()}}
            match = _PATH.match(path)
            if match is None:
                raise GraphError(400, 2500, f"Unknown path components: {path}")
            self._authenticate(params, headers)
            version = match["version"] or self.api_version
            if _version_key(version) < _version_key(self.api_version):
                raise GraphError(400, 2635, f"(#2635) You are calling a deprecated version of the Ads API. "
                                            f"Please update to the latest version: {self.api_version}.")
            reply = self._route(method, version, match["rest"].strip("/").split("/"), pairs, params)
        except GraphError as err:
            reply = _error_reply(err)
        return reply, body

    def _authenticate(self, params: dict[str, str], headers: Message) -> None:
        auth = headers.get("Authorization") or ""
        scheme, _, header_token = auth.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and header_token.strip():
            if header_token.strip() != self.access_token:
                raise GraphError(401, 190)
            return
        token = params.get("access_token")
        if not token:
            raise GraphError(400, 104)
        if token != self.access_token:
            raise GraphError(400, 190)

    def _route(self, method: str, version: str, segments: list[str], pairs: list[tuple[str, str]],
               params: dict[str, str]) -> _Reply:
        head = segments[0]
        if head.startswith("act_"):
            account = self.world.account(head)
            if account is None or not head[4:].isdigit():
                raise _no_object(head, method)
            return self._account_route(method, version, account, segments[1:], pairs, params)
        with self._lock:
            run = self._runs.get(head)
        if run is None or method != "GET" or len(segments) > 2 or segments[1:] not in ([], ["insights"]):
            raise _no_object(head, method) if head else GraphError(400, 2500, "Unknown path components: /")
        if len(segments) == 1:
            with self._lock:
                run.polls += 1
                return _json(200, _run_status(run, self.async_polls))
        return self._run_results(version, run, pairs, params)

    def _account_route(self, method: str, version: str, account: Account, rest: list[str],
                       pairs: list[tuple[str, str]], params: dict[str, str]) -> _Reply:
        if rest == [] and method == "GET":
            return _json(200, {"id": account.id, "account_id": account.account_id, "name": account.name,
                               "currency": account.currency, "timezone_name": account.timezone,
                               "account_status": 1})
        if rest != ["insights"]:
            edge = rest[0] if rest else ""
            raise _bad_param(f"Tried accessing nonexisting field ({edge}) on node type (AdAccount)") if edge \
                else _no_object(account.id, method)
        query = _parse_query(params, self.world.end + _DAY, self.world.start)
        if method == "POST":
            return self._create_run(account, query)
        if method != "GET":
            raise _no_object(account.id, method)
        rows = self._rows(account, query)
        if self.max_sync_rows is not None and len(rows) > self.max_sync_rows:
            raise GraphError(500, 1, "Please reduce the amount of data you're asking for, then retry your request")
        return self._page(version, f"{account.id}/insights", rows, pairs, params)

    # ----------------------------------------------------------------- insights

    def _rows(self, account: Account, q: _Query) -> list[dict]:
        """The formatted result rows, cached per world revision."""
        key = (self.world.revision, account.id, q)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        with self.world.lock:
            groups = _aggregate(self.world.rows(account.id, q.since, q.until), q)
            rows = [_format_row(self.world, account, q, k, m) for k, m in groups]
        with self._lock:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = rows
        return rows

    def _page(self, version: str, edge: str, rows: list[dict], pairs: list[tuple[str, str]],
              params: dict[str, str]) -> _Reply:
        """One page with Meta's cursor paging; ``next``/``previous`` repeat every original parameter."""
        limit = _parse_limit(params, self.page_size)
        window = _window(len(rows), params, limit)
        if not window:
            return _json(200, {"data": []})
        paging: dict[str, object] = {"cursors": {"before": _cursor(window[0]), "after": _cursor(window[-1])}}
        kept = [(k, v) for k, v in pairs if k not in ("after", "before")]
        if "limit" not in params:
            kept.append(("limit", str(limit)))
        url = f"{self.base_url}/{version}/{edge}?"
        if window[0] > 0:
            paging["previous"] = url + urlencode([*kept, ("before", _cursor(window[0]))])
        if window[-1] + 1 < len(rows):
            paging["next"] = url + urlencode([*kept, ("after", _cursor(window[-1]))])
        return _json(200, {"data": rows[window.start:window.stop], "paging": paging})

    def _create_run(self, account: Account, q: _Query) -> _Reply:
        rows = self._rows(account, q)
        with self._lock:
            self._run_ids += 1
            fail = self._failing_reports > 0
            self._failing_reports -= 1 if fail else 0
            run = _ReportRun(str(self._run_ids), account, q, rows, int(time.time()), fail)
            self._runs[run.id] = run
        return _json(200, {"report_run_id": run.id})

    def _run_results(self, version: str, run: _ReportRun, pairs: list[tuple[str, str]],
                     params: dict[str, str]) -> _Reply:
        with self._lock:
            done = run.completed is not None
        if not done:
            raise _bad_param(f"The report run {run.id} has not completed yet; poll its async_status first")
        if run.fail:
            raise GraphError(400, -2, "Report Failed", subcode=2490547)
        return self._page(version, f"{run.id}/insights", run.rows, pairs, params)


def _damage(reply: _Reply, how: str | None) -> None:
    """Break a real answer: cut the connection mid-body, or cut the JSON itself."""
    if how == "truncated":
        reply.cut_connection = True
    elif how == "invalid_json":
        reply.body = reply.body[: max(1, len(reply.body) // 2)]
