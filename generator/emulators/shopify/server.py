"""A local Shopify Admin REST emulator (api-contracts §1.1 and §3) on 127.0.0.1.

It serves a :class:`~generator.emulators.shopify.world.ShopWorld` live, so
mutations of the world between two pipeline runs show up in the API. It
reproduces what the dlt clients must cope with: ``status=open`` by default,
cursor pagination through an opaque ``page_info`` and an RFC 8288 ``Link``
header that points at the emulator itself, the 400 for filters sent together
with ``page_info``, a leaky-bucket rate limit answered with ``429`` and
``Retry-After: 2.0``, the exact error bodies, and scripted faults.

Usage::

    with ShopifyEmulator(build_world(WorldSpec(orders=50))) as shop:
        requests.get(shop.admin_url() + "/orders.json", params={"status": "any"},
                     headers={"X-Shopify-Access-Token": shop.access_token}, timeout=5)
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import math
import re
import socket
import socketserver
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from generator.emulators._served import ServedEmulator
from generator.emulators.shopify.world import ShopWorld

__all__ = ["RequestRecord", "ShopifyEmulator"]

DEFAULT_VERSION = "2025-01"
DEFAULT_LIMIT = 50
MAX_LIMIT = 250
PAGINATION_DOC = "See https://shopify.dev/api/usage/pagination-rest for more information."
UNAUTHORIZED_BODY = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
THROTTLED_BODY = {"errors": "Exceeded 2 calls per second for api client. "
                            "Reduce request rates to resume uninterrupted service."}
NOT_FOUND_BODY = {"errors": "Not Found"}
_LOOPBACK = ("127.0.0.1", "localhost")
_API_PATH = re.compile(r"^/admin/api/(?P<version>\d{4}-\d{2})/(?P<rest>[^?]+)$")
_MIN_KEY = -(2**62)  # sort key for a missing timestamp: before everything
_MAX_BODY = 10 * 1024 * 1024


class ApiError(Exception):
    """An error answer: HTTP status plus the JSON body Shopify would send."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def _param_error(param: str, message: str) -> ApiError:
    return ApiError(400, {"errors": {param: message}})


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator answered (for test assertions)."""

    method: str
    path: str
    query: dict[str, str]
    status: int


@dataclass
class _Fault:
    status: int
    remaining: int
    path_contains: str
    delay: float
    body: str | None


@dataclass(frozen=True)
class _Resource:
    """A list endpoint: where its items live and which parameters it accepts."""

    name: str
    time_fields: tuple[str, ...]
    filters: frozenset[str]


_TIME_PARAMS = {f"{f}_{bound}" for f in ("created_at", "updated_at", "processed_at", "published_at")
                for bound in ("min", "max")}
_ORDERS = _Resource("orders", ("created_at", "updated_at", "processed_at"),
                    frozenset({"status", "financial_status", "fulfillment_status", "since_id", "ids", "name",
                               "attribution_app_id", "order"} | _TIME_PARAMS))
_PRODUCTS = _Resource("products", ("created_at", "updated_at", "published_at"),
                      frozenset({"since_id", "ids", "title", "vendor", "handle", "product_type", "status",
                                 "collection_id", "published_status", "presentment_currencies", "order"}
                                | _TIME_PARAMS))
_CUSTOMERS = _Resource("customers", ("created_at", "updated_at"),
                       frozenset({"since_id", "ids", "order"} | _TIME_PARAMS))
_INVENTORY = _Resource("inventory_items", ("created_at", "updated_at"), frozenset({"ids"}))
_REFUNDS = _Resource("refunds", ("created_at", "processed_at"), frozenset({"in_shop_currency"}))
_TOP_LEVEL = {r.name: r for r in (_ORDERS, _PRODUCTS, _CUSTOMERS, _INVENTORY)}


# --------------------------------------------------------------------------- index


def _epoch(value: str | None) -> int:
    return _MIN_KEY if not value else int(datetime.fromisoformat(value).timestamp())


class _Index:
    """Items of one endpoint with parsed timestamps and cached sort orders.

    Keys are ``(value, id)`` tuples so that sorting by a timestamp is total
    and pagination stays stable when many rows share an updated_at.
    """

    def __init__(self, items: list[dict], time_fields: tuple[str, ...]) -> None:
        self.items = items
        self.epochs = {f: [_epoch(item.get(f)) for item in items] for f in time_fields}
        self._orders: dict[str, tuple[list[tuple[int, int]], list[int]]] = {}

    def key(self, pos: int, sort_field: str) -> tuple[int, int]:
        """The sort key of the item at ``pos``."""
        item_id = self.items[pos]["id"]
        return (item_id if sort_field == "id" else self.epochs[sort_field][pos], item_id)

    def sorted_by(self, sort_field: str) -> tuple[list[tuple[int, int]], list[int]]:
        """(ascending keys, positions) for one sort field, computed once per index."""
        hit = self._orders.get(sort_field)
        if hit is None:
            pairs = sorted((self.key(pos, sort_field), pos) for pos in range(len(self.items)))
            hit = ([k for k, _ in pairs], [p for _, p in pairs])
            self._orders[sort_field] = hit
        return hit


def _walk(keys: list[tuple[int, int]], ascending: bool, after: tuple[int, int] | None) -> range:
    """Indexes into ``keys`` in sort order, strictly after the ``after`` key."""
    if ascending:
        return range(0 if after is None else bisect.bisect_right(keys, after), len(keys))
    start = len(keys) - 1 if after is None else bisect.bisect_left(keys, after) - 1
    return range(start, -1, -1)


# --------------------------------------------------------------------------- parameters


def _parse_time(param: str, value: str, world: ShopWorld) -> int:
    """Epoch seconds of an ISO 8601 filter value; naive values are shop-local."""
    try:
        if len(value) == 10:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        else:
            if len(value) > 6 and value[-6] == " ":  # an unencoded '+' of the offset arrives as a space
                value = f"{value[:-6]}+{value[-5:]}"
            parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise _param_error(param, f"{param} is not a valid ISO 8601 date") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=world.tz)
    return int(parsed.timestamp())


def _parse_ids(param: str, value: str) -> set[int]:
    try:
        return {int(v) for v in value.split(",") if v.strip()}
    except ValueError as exc:
        raise _param_error(param, f"{param} must be a comma-separated list of integers") from exc


def _parse_limit(params: dict[str, str], over_limit: str) -> int:
    raw = params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError as exc:
        raise _param_error("limit", "limit must be an integer") from exc
    if limit < 1:
        raise _param_error("limit", "limit must be at least 1")
    if limit > MAX_LIMIT:
        if over_limit == "error":
            raise _param_error("limit", f"limit must be less than or equal to {MAX_LIMIT}")
        limit = MAX_LIMIT
    return limit


def _parse_sort(params: dict[str, str], resource: _Resource, default: str) -> tuple[str, bool]:
    """(field, ascending) from ``order=`` ("updated_at asc"), else the default."""
    raw = params.get("order")
    if raw is None:
        # since_id walks forward by id, so it implies ascending ids.
        raw = "id asc" if "since_id" in params else default.replace("_asc", " asc").replace("_desc", " desc")
    parts = raw.strip().lower().split()
    direction = parts[1] if len(parts) > 1 else "asc"
    if not parts or parts[0] not in ("id", *resource.time_fields) or direction not in ("asc", "desc"):
        raise _param_error("order", f"order must be one of id, {', '.join(resource.time_fields)} with asc or desc")
    return parts[0], direction == "asc"


_STATUSES = {"open", "closed", "cancelled", "any"}
_FINANCIAL = {"authorized", "pending", "paid", "partially_paid", "refunded", "voided", "partially_refunded",
              "unpaid", "any"}
_FULFILLMENT = {"shipped": ("fulfilled",), "partial": ("partial",), "unshipped": (None,),
                "unfulfilled": (None, "partial"), "any": None}


def _status_test(value: str) -> Callable[[dict], bool]:
    if value not in _STATUSES:
        raise _param_error("status", f"status must be one of {', '.join(sorted(_STATUSES))}")
    return {"open": lambda o: o["cancelled_at"] is None and o["closed_at"] is None,
            "closed": lambda o: o["closed_at"] is not None,
            "cancelled": lambda o: o["cancelled_at"] is not None,
            "any": lambda o: True}[value]


def _financial_test(value: str) -> Callable[[dict], bool]:
    if value not in _FINANCIAL:
        raise _param_error("financial_status", "financial_status is not valid")
    if value == "any":
        return lambda o: True
    wanted = {"pending", "authorized", "partially_paid"} if value == "unpaid" else {value}
    return lambda o: o["financial_status"] in wanted


def _fulfillment_test(value: str) -> Callable[[dict], bool]:
    if value not in _FULFILLMENT:
        raise _param_error("fulfillment_status", "fulfillment_status is not valid")
    wanted = _FULFILLMENT[value]
    return (lambda o: True) if wanted is None else (lambda o: o["fulfillment_status"] in wanted)


def _order_tests(params: dict[str, str]) -> list[Callable[[dict], bool]]:
    tests = [_status_test(params.get("status", "open")),  # Shopify's default: open orders only
             _financial_test(params.get("financial_status", "any")),
             _fulfillment_test(params.get("fulfillment_status", "any"))]
    if "name" in params:
        name = params["name"] if params["name"].startswith("#") else f"#{params['name']}"
        tests.append(lambda o: o["name"] == name)
    return tests


def _product_tests(params: dict[str, str]) -> list[Callable[[dict], bool]]:
    tests: list[Callable[[dict], bool]] = [
        lambda p, k=param, v=params[param]: p.get(k) == v
        for param in ("title", "vendor", "handle", "product_type") if param in params]
    if "status" in params:
        statuses = set(params["status"].split(","))
        tests.append(lambda p: p["status"] in statuses)
    return tests


def _item_tests(resource: _Resource, params: dict[str, str]) -> list[Callable[[dict], bool]]:
    """Predicates on the item dict for the non-time filters."""
    tests: list[Callable[[dict], bool]] = []
    if resource is _ORDERS:
        tests += _order_tests(params)
    if resource is _PRODUCTS:
        tests += _product_tests(params)
    if "ids" in params:
        ids = _parse_ids("ids", params["ids"])
        tests.append(lambda item: item["id"] in ids)
    if "since_id" in params:
        since = max(_parse_ids("since_id", params["since_id"]) or {0})
        tests.append(lambda item: item["id"] > since)
    return tests


def _predicate(resource: _Resource, params: dict[str, str], index: _Index,
               world: ShopWorld) -> Callable[[int], bool]:
    """A test on item positions combining every filter (time windows are inclusive)."""
    tests = _item_tests(resource, params)
    windows = []
    for name in resource.time_fields:
        lo = params.get(f"{name}_min")
        hi = params.get(f"{name}_max")
        if lo is not None or hi is not None:
            lo_e = _parse_time(f"{name}_min", lo, world) if lo is not None else _MIN_KEY
            hi_e = _parse_time(f"{name}_max", hi, world) if hi is not None else 2**62
            windows.append((index.epochs[name], lo_e, hi_e))
    items = index.items

    def test(pos: int) -> bool:
        for epochs, lo_e, hi_e in windows:
            if not lo_e <= epochs[pos] <= hi_e:
                return False
        item = items[pos]
        return all(t(item) for t in tests)

    return test


# --------------------------------------------------------------------------- cursors


def _encode_cursor(payload: dict) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str, scope: str) -> dict:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if payload.get("scope") != scope or payload.get("dir") not in ("next", "prev"):
            raise ValueError(token)
        payload["last"] = tuple(payload["last"])
        return payload
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise _param_error("page_info", "Invalid value.") from exc


def _forbidden_with_cursor(pairs: list[tuple[str, str]]) -> None:
    """page_info may only travel with limit and fields (api-contracts §3.4)."""
    bad = [k for k, _ in pairs if k not in ("page_info", "limit", "fields")]
    if bad:
        raise ApiError(400, {"errors": {k: f"{k} cannot be passed when page_info is present. {PAGINATION_DOC}"
                                        for k in dict.fromkeys(bad)}})


def _take(walk: Iterable[int], positions: list[int], test: Callable[[int], bool], limit: int) -> list[int]:
    out = []
    for i in walk:
        pos = positions[i]
        if test(pos):
            out.append(pos)
            if len(out) == limit:
                break
    return out


def _any(walk: Iterable[int], positions: list[int], test: Callable[[int], bool]) -> bool:
    return any(test(positions[i]) for i in walk)


@dataclass
class _Page:
    positions: list[int]
    has_prev: bool
    has_next: bool


def _paginate(index: _Index, sort: tuple[str, bool], test: Callable[[int], bool], limit: int,
              cursor: dict | None) -> _Page:
    """Keyset pagination in either direction; links exist only where rows exist."""
    sort_field, ascending = sort
    keys, positions = index.sorted_by(sort_field)
    if cursor is not None and cursor["dir"] == "prev":
        got = _take(_walk(keys, not ascending, cursor["last"]), positions, test, limit)
        got.reverse()
    else:
        after = cursor["last"] if cursor else None
        got = _take(_walk(keys, ascending, after), positions, test, limit)
    if not got:
        return _Page([], False, False)
    has_next = _any(_walk(keys, ascending, index.key(got[-1], sort_field)), positions, test)
    has_prev = _any(_walk(keys, not ascending, index.key(got[0], sort_field)), positions, test)
    return _Page(got, has_prev, has_next)


def _project(item: dict, fields: list[str] | None) -> dict:
    return item if fields is None else {k: item[k] for k in fields if k in item}


def _fields(params: dict[str, str]) -> list[str] | None:
    raw = params.get("fields")
    return None if raw is None else [f.strip() for f in raw.split(",") if f.strip()]


# --------------------------------------------------------------------------- rate limit


class _Bucket:
    """Shopify's leaky bucket: each call adds 1, ``leak`` calls drain per second."""

    def __init__(self, size: int, leak: float) -> None:
        self.size = size
        self.leak = leak
        self._level = 0.0
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def _drain(self) -> None:
        now = time.monotonic()
        self._level = max(0.0, self._level - (now - self._stamp) * self.leak)
        self._stamp = now

    def take(self) -> tuple[bool, int]:
        """Try to add one call; returns (allowed, calls now in the bucket)."""
        with self._lock:
            self._drain()
            if self._level + 1 > self.size:
                return False, self.size
            self._level += 1
            return True, self._used()

    def used(self) -> int:
        """Calls currently in the bucket, as the call-limit header shows them."""
        with self._lock:
            self._drain()
            return self._used()

    def _used(self) -> int:
        return min(self.size, math.ceil(self._level - 1e-9))

    def reset(self) -> None:
        """Empty the bucket."""
        with self._lock:
            self._level = 0.0
            self._stamp = time.monotonic()


# --------------------------------------------------------------------------- HTTP plumbing


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    cut_connection: bool = False  # send Content-Length in full but only half the body


def _json_reply(status: int, payload: object, **headers: str) -> _Reply:
    return _Reply(status, json.dumps(payload, separators=(",", ":")).encode(), dict(headers))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # A port with a live listener must fail with EADDRINUSE; SO_REUSEADDR only
    # lets a stopped emulator's port (TIME_WAIT) be reused.
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: ShopifyEmulator) -> None:
        self.emulator = emulator
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client hung up (timeouts, injected cut connections)."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def server_bind(self) -> None:
        """Bind without HTTPServer's socket.getfqdn(), a reverse-DNS lookup that can hang offline."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ShopifyEmulator/1.0"
    timeout = 30  # idle keep-alive connections are closed after this

    def setup(self) -> None:
        """Track the connection so that stop() can close kept-alive ones."""
        super().setup()
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection once the client or stop() closed it."""
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.open_connections.discard(self.connection)

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request stderr log (tests make thousands of requests)."""

    def do_GET(self) -> None:
        """Answer a GET through the emulator."""
        self._answer()

    do_POST = do_PUT = do_DELETE = do_GET

    def _answer(self) -> None:
        # Read (and ignore) any request body, or it would be parsed as the next request.
        length = min(int(self.headers.get("Content-Length") or 0), _MAX_BODY)
        if length:
            self.rfile.read(length)
        self._send(self.server.emulator._handle(self.command, self.path, self.headers))

    def _send(self, reply: _Reply) -> None:
        """Write `reply`; a cut connection sends half the body under the full Content-Length, then closes."""
        body = reply.body
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if reply.cut_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if reply.cut_connection else body)
        self.wfile.flush()
        if reply.cut_connection:
            self.close_connection = True


# --------------------------------------------------------------------------- the emulator


class ShopifyEmulator(ServedEmulator):
    """Shopify Admin REST on 127.0.0.1, serving a ShopWorld (see module docstring).

    ``default_sort`` ("id_desc", "id_asc", "created_at_asc", ...) is the order
    of orders.json without ``order=`` (undocumented by Shopify); ``over_limit``
    is "clamp" (limit > 250 becomes 250) or "error" (HTTP 400).
    """

    thread_name = "shopify-emulator"

    def __init__(self, world: ShopWorld, *, access_token: str = "shpat_sandbox_emulator_token",
                 host: str = "127.0.0.1", port: int = 0, bucket_size: int = 40, leak_per_second: float = 2.0,
                 default_sort: str = "id_desc", over_limit: str = "clamp") -> None:
        if host not in _LOOPBACK:
            raise ValueError("the emulator binds to 127.0.0.1 only")
        if over_limit not in ("clamp", "error"):
            raise ValueError("over_limit must be 'clamp' or 'error'")
        try:
            _parse_sort({}, _ORDERS, default_sort)
        except ApiError as exc:
            raise ValueError(f"default_sort must look like 'id_desc', not {default_sort!r}") from exc
        self.world = world
        self.access_token = access_token
        self.host = "127.0.0.1"
        self.port = port
        self.default_sort = default_sort
        self.over_limit = over_limit
        self.requests: list[RequestRecord] = []
        self._bucket = _Bucket(bucket_size, leak_per_second)
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._indexes: dict[str, tuple[tuple[int, int, int], _Index]] = {}
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle

    def _bind(self) -> _HTTPServer:
        return _HTTPServer((self.host, self.port), self)

    def admin_url(self, version: str = DEFAULT_VERSION) -> str:
        """The REST base URL for one API version."""
        return f"{self.base_url}/admin/api/{version}"

    # ----------------------------------------------------------------- test controls

    def inject(self, status: int, count: int = 1, *, path_contains: str = "", delay: float = 0.0,
               body: str | None = None) -> None:
        """Script a fault for the next ``count`` requests whose path contains ``path_contains``.

        ``status`` 429 answers with Retry-After: 2.0 and Shopify's body; other
        errors with ``{"errors": "<reason>"}``. ``body="truncated"`` sends the
        real answer with its full Content-Length but only half the bytes, then
        closes (a cut connection); ``body="invalid_json"`` sends a complete
        response whose JSON is cut in half; any other ``body`` is sent as is.
        ``delay`` sleeps first; with status 200 and no body the request is
        then answered normally (a slow server, for client timeouts).
        """
        with self._lock:
            self._faults.append(_Fault(status, count, path_contains, delay, body))

    def reset_bucket(self) -> None:
        """Empty the rate-limit bucket."""
        self._bucket.reset()

    # ----------------------------------------------------------------- request handling

    def _handle(self, method: str, raw_path: str, headers: Message) -> _Reply:
        parts = urlsplit(raw_path)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = dict(reversed(pairs))  # first occurrence wins
        match = _API_PATH.match(parts.path)
        version = match["version"] if match else DEFAULT_VERSION
        fault = self._take_fault(parts.path)
        if fault is not None and fault.delay > 0:
            time.sleep(fault.delay)
        if fault is not None and (fault.status != 200 or fault.body not in (None, "truncated", "invalid_json")):
            reply = _fault_reply(fault)
        else:
            reply = self._serve(method, match, headers, pairs, query)
            if fault is not None and fault.body in ("truncated", "invalid_json"):
                reply = _damage(reply, fault.body)
        reply.headers.update({"Content-Type": "application/json; charset=utf-8",
                              "X-Shopify-Shop-Api-Call-Limit": reply.headers.get(
                                  "X-Shopify-Shop-Api-Call-Limit", f"{self._bucket.used()}/{self._bucket.size}"),
                              "X-Request-Id": str(uuid.uuid4()), "X-Shopify-API-Version": version})
        with self._lock:
            self.requests.append(RequestRecord(method, parts.path, query, reply.status))
        return reply

    def _serve(self, method: str, match: re.Match | None, headers: Message, pairs: list[tuple[str, str]],
               query: dict[str, str]) -> _Reply:
        if match is None:
            return _json_reply(404, NOT_FOUND_BODY)
        if headers.get("X-Shopify-Access-Token") != self.access_token:
            return _json_reply(401, UNAUTHORIZED_BODY)
        allowed, used = self._bucket.take()
        limit_header = f"{used}/{self._bucket.size}"
        if not allowed:
            return _json_reply(429, THROTTLED_BODY, **{"Retry-After": "2.0",
                                                       "X-Shopify-Shop-Api-Call-Limit": limit_header})
        try:
            if method != "GET":
                raise ApiError(404, NOT_FOUND_BODY)
            reply = self._route(match["version"], match["rest"], pairs, query)
        except ApiError as err:
            reply = _json_reply(err.status, err.body)
        reply.headers["X-Shopify-Shop-Api-Call-Limit"] = limit_header
        return reply

    def _route(self, version: str, rest: str, pairs: list[tuple[str, str]], query: dict[str, str]) -> _Reply:
        if not rest.endswith(".json"):
            raise ApiError(404, NOT_FOUND_BODY)
        segments = rest[: -len(".json")].split("/")
        with self.world.lock:
            if len(segments) == 1 and segments[0] in _TOP_LEVEL:
                resource = _TOP_LEVEL[segments[0]]
                return self._list(version, resource, resource.name, self._items(resource.name), pairs, query)
            if len(segments) == 2 and segments[1] == "count" and segments[0] in _TOP_LEVEL:
                return self._count(_TOP_LEVEL[segments[0]], query)
            if len(segments) == 2 and segments[0] == "orders" and segments[1].isdigit():
                return _json_reply(200, {"order": _project(self._order(segments[1]), _fields(query))})
            if len(segments) == 3 and segments[0] == "orders" and segments[1].isdigit() and segments[2] == "refunds":
                refunds = self._order(segments[1])["refunds"]
                return self._list(version, _REFUNDS, rest[: -len(".json")], refunds, pairs, query)
        raise ApiError(404, NOT_FOUND_BODY)

    def _items(self, name: str) -> list[dict]:
        return getattr(self.world, name)

    def _order(self, raw_id: str) -> dict:
        order = self.world.order(int(raw_id))
        if order is None:
            raise ApiError(404, NOT_FOUND_BODY)
        return order

    def _index(self, scope: str, resource: _Resource, items: list[dict]) -> _Index:
        """The cached index of an item list; rebuilt when the world changed."""
        stamp = (self.world.revision, id(items), len(items))
        with self._lock:
            hit = self._indexes.get(scope)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        index = _Index(items, resource.time_fields)
        with self._lock:
            self._indexes[scope] = (stamp, index)
        return index

    def _count(self, resource: _Resource, query: dict[str, str]) -> _Reply:
        index = self._index(resource.name, resource, self._items(resource.name))
        test = _predicate(resource, query, index, self.world)
        return _json_reply(200, {"count": sum(1 for pos in range(len(index.items)) if test(pos))})

    def _list(self, version: str, resource: _Resource, scope: str, items: list[dict],
              pairs: list[tuple[str, str]], query: dict[str, str]) -> _Reply:
        """A list endpoint with filters, sorting and Link-header cursor pagination."""
        limit = _parse_limit(query, self.over_limit)
        fields = _fields(query)
        index = self._index(scope, resource, items)
        if "page_info" in query:
            _forbidden_with_cursor(pairs)
            cursor = _decode_cursor(query["page_info"], scope)
            filters, sort = cursor["filters"], (cursor["sort"][0], cursor["sort"][1])
        else:
            cursor = None
            filters = {k: v for k, v in query.items() if k in resource.filters and k != "order"}
            default = self.default_sort if resource is _ORDERS else "id_asc"
            sort = _parse_sort(query, resource, default)
        test = _predicate(resource, filters, index, self.world)
        page = _paginate(index, sort, test, limit, cursor)
        body = {resource.name: [_project(items[pos], fields) for pos in page.positions]}
        reply = _json_reply(200, body)
        link = self._link(version, scope, page, index, sort, filters, limit, query.get("fields"))
        if link:
            reply.headers["Link"] = link
        return reply

    def _link(self, version: str, scope: str, page: _Page, index: _Index, sort: tuple[str, bool],
              filters: dict[str, str], limit: int, fields: str | None) -> str:
        """RFC 8288 Link header with absolute URLs on this emulator's host:port."""
        links = []
        for rel, wanted, pos in (("previous", page.has_prev, 0), ("next", page.has_next, -1)):
            if not wanted:
                continue
            token = _encode_cursor({"scope": scope, "dir": "next" if rel == "next" else "prev",
                                    "last": list(index.key(page.positions[pos], sort[0])),
                                    "sort": [sort[0], sort[1]], "filters": filters})
            params = {"limit": str(limit), "page_info": token}
            if fields is not None:
                params["fields"] = fields
            links.append(f'<{self.admin_url(version)}/{scope}.json?{urlencode(params)}>; rel="{rel}"')
        return ", ".join(links)


def _fault_reply(fault: _Fault) -> _Reply:
    """The answer for a scripted fault that replaces the real response."""
    if fault.body is not None:
        return _Reply(fault.status, fault.body.encode())
    if fault.status == 429:
        return _json_reply(429, THROTTLED_BODY, **{"Retry-After": "2.0"})
    if fault.status == 401:
        return _json_reply(401, UNAUTHORIZED_BODY)
    if fault.status == 404:
        return _json_reply(404, NOT_FOUND_BODY)
    try:
        reason = HTTPStatus(fault.status).phrase
    except ValueError:
        reason = "Error"
    return _json_reply(fault.status, {"errors": reason})


def _damage(reply: _Reply, how: str) -> _Reply:
    """Break a real answer: cut the connection mid-body, or cut the JSON itself."""
    if how == "truncated":
        reply.cut_connection = True
        return reply
    reply.body = reply.body[: max(1, len(reply.body) // 2)]
    return reply
