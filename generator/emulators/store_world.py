"""One coherent sandbox world per store, from one seed: ads, visits and orders that tell the same story.

The API worlds (Shopify, Meta, Google Ads, ECB) are generated as before; this module sizes the ad
accounts to the shop and ties them together through visitor journeys:

* ad campaigns spend money and get clicks (their own worlds); 85 % of a campaign-day's clicks land
  as GA4 sessions carrying the campaign's UTMs (``utm_id`` = the platform's campaign id) and click id;
* organic visits (search, email, referral, social, direct) become sessions too;
* every Shopify web order converts in a session whose landing page and referrer are the order's
  ``landing_site`` / ``referring_site``, and that session's purchase event carries the order id as
  ``ecommerce.transaction_id``. Buyers often visited before (0-6 earlier sessions over up to four
  weeks, on other channels), and returning customers keep their device id across orders;
* the rest of each campaign-day's sessions, and organic traffic, come from visitors who do not buy.

The world also writes the answers tests compare with: spend and clicks per platform, account and day,
and every order's path (so last-click orders per channel follow without any SQL). GA4 events have the
BigQuery export's row shape (api-contracts §6.5); they are what the GA4 emulator serves.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from generator.emulators.ecb import RateHistory, RateSpec, build_rates
from generator.emulators.google_ads import CustomerSpec, GoogleAdsSpec, GoogleAdsWorld, build_google_ads_world
from generator.emulators.meta import AccountSpec, MetaSpec, MetaWorld, build_meta_world
from generator.emulators.shopify import ShopWorld, WorldSpec, build_world

__all__ = ["Session", "StoreWorld", "StoreWorldSpec", "Touch", "build_store_world"]

LANDED = 0.85  # share of ad clicks that load the page far enough for GA4 to count a session
PAID_CVR = 0.03  # orders per paid session
PAID_SHARE = 0.45  # share of orders whose converting session is paid, on average
# key, channel group (GA4 default names), utm source/medium/campaign or None, referrer, share of organic
# orders, conversion rate
_ORGANIC = (
    ("organic_search", "Organic Search", None, "https://www.google.com/", 0.30, 0.030),
    ("email", "Email", ("klaviyo", "email", "weekly_newsletter"), None, 0.17, 0.060),
    ("organic_social", "Organic Social", None, "https://www.pinterest.com/", 0.06, 0.015),
    ("referral", "Referral", None, "https://www.kitchen-blog.example/best-mugs", 0.08, 0.025),
    ("direct", "Direct", None, None, 0.39, 0.040),
)
_EARLIER = ((0, 40), (1, 25), (2, 15), (3, 10), (4, 6), (6, 4))  # earlier sessions per order: (count, weight)
_PATHS = ("/", "/collections/all", "/collections/mugs", "/collections/tea", "/products/stoneware-mug",
          "/products/sencha-tin", "/products/travel-mug", "/pages/about")
_DEVICES = ({"category": "mobile", "operating_system": "iOS", "browser": "Safari"},
            {"category": "mobile", "operating_system": "Android", "browser": "Chrome"},
            {"category": "desktop", "operating_system": "Windows", "browser": "Chrome"},
            {"category": "desktop", "operating_system": "Macintosh", "browser": "Safari"})
_STREAM_ID = "4178091234"


@dataclass(frozen=True)
class StoreWorldSpec:
    """What store to simulate. Equal specs give identical worlds; ``orders`` sizes everything."""

    seed: int = 42
    orders: int = 400
    start: date = date(2026, 6, 1)
    end: date = date(2026, 11, 30)
    timezone: str = "Europe/Berlin"
    shop_currency: str = "EUR"
    meta_accounts: tuple[AccountSpec, ...] = ()
    google_customers: tuple[CustomerSpec, ...] = ()
    purchase_action_type: str = "offsite_conversion.fb_pixel_purchase"
    hostname: str = "demo-store.example"


@dataclass(frozen=True)
class Touch:
    """Where one session came from, as the world intended it (tests group these independently of SQL)."""

    at: datetime  # session start, UTC
    channel: str  # GA4 default channel group the world meant: "Paid Social", "Direct", ...
    source: str | None
    medium: str | None
    campaign: str | None
    campaign_id: str | None
    platform: str | None  # meta_ads / google_ads for paid clicks
    account_id: str | None


@dataclass
class Session:
    user: str
    number: int
    touch: Touch
    landing: str  # path and query string
    referrer: str | None
    click: tuple[str, str] | None  # (gclid | fbclid, value)
    user_id: str | None = None
    order: dict | None = None


@dataclass(frozen=True)
class _Campaign:
    platform: str
    account_id: str
    campaign_id: str
    name: str
    channel: str
    source: str
    medium: str
    click: str


@dataclass
class StoreWorld:
    """The store's API worlds plus the journeys that connect them."""

    spec: StoreWorldSpec
    shop: ShopWorld
    rates: RateHistory
    meta: MetaWorld | None
    google_ads: GoogleAdsWorld | None
    sessions: list[Session]
    ga4_events: list[dict]
    paths: dict[int, tuple[Touch, ...]]  # web order id -> its touches, oldest first, converting last
    spend: dict[tuple[str, str, date], tuple[Decimal, int, str]] = field(default_factory=dict)
    # (platform, account id, account-local day) -> (spend in account currency, clicks, currency)

    def last_click_orders(self) -> dict[tuple[date, str], int]:
        """Orders per (order's shop-local date, channel of the converting session)."""
        out: dict[tuple[date, str], int] = defaultdict(int)
        tz = ZoneInfo(self.spec.timezone)
        for order in self.shop.orders:
            path = self.paths.get(order["id"])
            if path:
                out[(datetime.fromisoformat(order["processed_at"]).astimezone(tz).date(), path[-1].channel)] += 1
        return dict(out)


def build_store_world(spec: StoreWorldSpec | None = None) -> StoreWorld:
    """Generate the store's shop, ads, exchange rates and GA4 journeys (deterministic for a spec)."""
    spec = spec or StoreWorldSpec()
    shop = build_world(WorldSpec(seed=spec.seed, orders=spec.orders, shop_currency=spec.shop_currency,
                                 timezone=spec.timezone, start=spec.start, end=spec.end))
    rates = build_rates(RateSpec(start=spec.start - timedelta(days=60), end=spec.end))
    target = spec.orders * PAID_SHARE / (LANDED * PAID_CVR)  # paid clicks that yield PAID_SHARE of orders
    share = target / max(1, bool(spec.meta_accounts) + bool(spec.google_customers))
    meta = _sized(lambda scale: build_meta_world(MetaSpec(
        seed=spec.seed, start=spec.start, end=spec.end, accounts=spec.meta_accounts,
        purchase_action_type=spec.purchase_action_type, budget_scale=scale)),
        lambda world: sum(row.clicks for row in world.rows()), share) if spec.meta_accounts else None
    google = _sized(lambda scale: build_google_ads_world(GoogleAdsSpec(
        seed=spec.seed, start=spec.start, end=spec.end, customers=spec.google_customers, budget_scale=scale)),
        lambda world: sum(row.clicks for rows in world.rows.values() for row in rows),
        share) if spec.google_customers else None
    capacity, campaigns, spend = _paid_capacity(meta, google)
    journeys = _Journeys(spec, random.Random(f"store-world:{spec.seed}"), capacity, campaigns)
    journeys.convert(shop)
    journeys.fill()
    sessions = sorted(journeys.sessions, key=lambda s: (s.touch.at, s.user))
    events = _Ga4Events(spec, shop).of(sessions)
    return StoreWorld(spec, shop, rates, meta, google, sessions, events, journeys.paths, spend)


def _sized(build, clicks, target: float):
    """Build an ads world with budgets scaled so that its clicks come within 5 % of ``target``.

    Clicks grow with budget but not proportionally (small slices round to no click), so the scale is
    corrected a few times; the worlds are deterministic, so the result is too.
    """
    scale, world = 1.0, build(1.0)
    for _ in range(4):
        total = clicks(world)
        if not total or abs(total - target) <= 0.05 * target:
            break
        scale *= target / total
        world = build(scale)
    return world


def _paid_capacity(meta: MetaWorld | None, google: GoogleAdsWorld | None):
    """Landed sessions available per (campaign, day), the campaigns, and spend per platform/account/day."""
    campaigns: dict[tuple[str, str], _Campaign] = {}
    spend: dict[tuple[str, str, date], tuple[Decimal, int, str]] = {}
    clicks: dict[tuple[_Campaign, date], int] = defaultdict(int)
    for campaign, day, amount, n, currency in [*_meta_days(meta), *_google_days(google)]:
        campaign = campaigns.setdefault((campaign.platform, campaign.campaign_id), campaign)
        clicks[(campaign, day)] += n
        _add_spend(spend, (campaign.platform, campaign.account_id, day), amount, n, currency)
    capacity: dict[date, dict[_Campaign, int]] = defaultdict(dict)
    for (campaign, day), n in sorted(clicks.items(), key=lambda item: (item[0][1], item[0][0].campaign_id)):
        if int(n * LANDED):
            capacity[day][campaign] = int(n * LANDED)
    return capacity, campaigns, spend


def _meta_days(meta: MetaWorld | None):
    """(campaign, day, spend, clicks, currency) for every Meta ad-day."""
    for row in meta.rows() if meta else ():
        name = meta.campaign(row.campaign_id).name
        yield (_Campaign("meta_ads", row.account_id, row.campaign_id, name, "Paid Social", "facebook", "paid_social",
                         "fbclid"), row.day, row.spend, row.clicks, meta.account(row.account_id).currency)


def _google_days(google: GoogleAdsWorld | None):
    """(campaign, day, cost, clicks, currency) for every Google Ads campaign-day."""
    for customer_id, rows in google.rows.items() if google else ():
        currency = google.customer(customer_id).currency_code
        for row in rows:
            name = google.campaign(customer_id, row.campaign_id).name
            group = "Paid Shopping" if "Shopping" in name else "Paid Search"
            yield (_Campaign("google_ads", customer_id, str(row.campaign_id), name, group, "google", "cpc", "gclid"),
                   row.date, Decimal(row.cost_micros) / 1_000_000, row.clicks, currency)


def _add_spend(spend: dict, key: tuple, amount: Decimal, clicks: int, currency: str) -> None:
    before, before_clicks, _ = spend.get(key, (Decimal(0), 0, currency))
    spend[key] = (before + amount, before_clicks + clicks, currency)


class _Journeys:
    """Draws each buyer's sessions, then fills the ad and organic traffic that did not buy."""

    def __init__(self, spec: StoreWorldSpec, rng: random.Random, capacity: dict, campaigns: dict) -> None:
        self.spec, self.rng, self.capacity = spec, rng, capacity
        self.campaigns = sorted(campaigns.values(), key=lambda c: (c.platform, c.campaign_id))
        self.tz = ZoneInfo(spec.timezone)
        self.start_utc = datetime.combine(spec.start, datetime.min.time(), self.tz).astimezone(UTC)
        self.sessions: list[Session] = []
        self.paths: dict[int, tuple[Touch, ...]] = {}
        self.users: dict[str, list[Session]] = defaultdict(list)
        self.devices: dict[str, str] = {}  # buyer (customer id or email) -> user_pseudo_id
        days = (spec.end - spec.start).days + 1
        self.organic_per_day = spec.orders * (1 - PAID_SHARE) / days
        self.organic_used: dict[tuple[date, str], int] = defaultdict(int)

    def convert(self, shop: ShopWorld) -> None:
        for order in shop.orders:
            if order["source_name"] != "web":
                continue  # POS and app-imported orders never passed through the online store
            created = datetime.fromisoformat(order["created_at"]).astimezone(UTC)
            user, user_id = self._device(order, created)
            earlier = self.rng.choices([n for n, _ in _EARLIER], [w for _, w in _EARLIER])[0]
            starts = sorted(created - timedelta(seconds=self.rng.randint(3600, 28 * 86400)) for _ in range(earlier))
            path = [self._session(user, at, user_id if self.rng.random() < 0.5 else None)
                    for at in starts if at > self.start_utc]
            last = self._session(user, created - timedelta(seconds=self.rng.randint(180, 2700)), user_id,
                                 test=bool(order["test"]))
            last.order = order
            path.append(last)
            order["landing_site"] = last.landing
            order["referring_site"] = last.referrer
            order["note_attributes"] = []
            self.paths[order["id"]] = tuple(s.touch for s in path)

    def _device(self, order: dict, created: datetime) -> tuple[str, str | None]:
        """The buyer's GA4 client id: kept across orders on the same device (85 %), else a new one."""
        customer = order.get("customer")
        buyer = str(customer["id"]) if customer else (order.get("email") or f"anonymous:{order['id']}")
        known = self.devices.get(buyer)
        if known is None or self.rng.random() < 0.15:
            known = self.devices[buyer] = self._new_user(created)
        return known, (str(customer["id"]) if customer else None)

    def _new_user(self, at: datetime) -> str:
        return f"{self.rng.randrange(10**9, 10**10)}.{int(at.timestamp()) - self.rng.randint(0, 40 * 86400)}"

    def _session(self, user: str, at: datetime, user_id: str | None, test: bool = False) -> Session:
        day = at.astimezone(self.tz).date()
        choice = "direct" if test else self._channel(day)
        session = self._make(user, at, choice, day)
        session.user_id = user_id
        return session

    def _channel(self, day: date) -> _Campaign | str:
        """A paid campaign with landed sessions left that day, or an organic channel, by expected orders."""
        paid = self.capacity.get(day, {})
        options: list[_Campaign | str] = [c for c, left in paid.items() if left > 0]
        weights = [paid[c] * PAID_CVR for c in options]
        for key, _, _, _, share, _ in _ORGANIC:
            options.append(key)
            weights.append(self.organic_per_day * share)
        return self.rng.choices(options, weights)[0]

    def _make(self, user: str, at: datetime, choice: _Campaign | str, day: date) -> Session:
        number = len(self.users[user]) + 1
        if isinstance(choice, _Campaign):
            self.capacity[day][choice] -= 1
            click = (choice.click, _click_id(self.rng, choice.click))
            params = {"utm_source": choice.source, "utm_medium": choice.medium, "utm_campaign": choice.name,
                      "utm_id": choice.campaign_id, choice.click: click[1]}
            touch = Touch(at, choice.channel, choice.source, choice.medium, choice.name, choice.campaign_id,
                          choice.platform, choice.account_id)
            referrer = "https://www.google.com/" if choice.platform == "google_ads" else "https://l.facebook.com/"
            session = Session(user, number, touch, _landing(self.rng, params), referrer, click)
        else:
            _, channel, utm, referrer, _, _ = next(o for o in _ORGANIC if o[0] == choice)
            self.organic_used[(day, choice)] += 1
            params = {"utm_source": utm[0], "utm_medium": utm[1], "utm_campaign": utm[2]} if utm else {}
            touch = Touch(at, channel, *(utm or (None, None, None)), None, None, None)
            session = Session(user, number, touch, _landing(self.rng, params), referrer, None)
        self.users[user].append(session)
        self.sessions.append(session)
        return session

    def fill(self) -> None:
        """Sessions of visitors who did not buy: what is left of each campaign-day, and organic traffic."""
        for day in sorted(self.capacity):
            for campaign, left in sorted(self.capacity[day].items(), key=lambda item: item[0].campaign_id):
                for _ in range(left):
                    self._visit(day, campaign)
        day = self.spec.start
        while day <= self.spec.end:
            for key, _, _, _, share, cvr in _ORGANIC:
                expected = self.organic_per_day * share / cvr
                visits = round(self.rng.gauss(expected, expected ** 0.5)) - self.organic_used[(day, key)]
                for _ in range(max(0, visits)):
                    self._visit(day, key)
            day += timedelta(days=1)

    def _visit(self, day: date, choice: _Campaign | str) -> None:
        start = datetime.combine(day, datetime.min.time(), self.tz).astimezone(UTC)
        at = start + timedelta(seconds=self.rng.randrange(86400 - 3600))
        self._make(self._new_user(at), at, choice, day)


def _click_id(rng: random.Random, kind: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    prefix = "Cj0KCQ" if kind == "gclid" else "IwAR"
    return prefix + "".join(rng.choice(alphabet) for _ in range(24))


def _landing(rng: random.Random, params: dict[str, str]) -> str:
    path = rng.choice(_PATHS)
    return f"{path}?{urlencode(params)}" if params else path


class _Ga4Events:
    """GA4 BigQuery-export rows (api-contracts §6.5) for the sessions, in event_timestamp order."""

    def __init__(self, spec: StoreWorldSpec, shop: ShopWorld) -> None:
        self.spec, self.tz = spec, ZoneInfo(spec.timezone)
        self.usd = shop.fx_rates.get("USD")
        self.first_touch: dict[str, Session] = {}
        self.last_non_direct: dict[str, Session] = {}

    def of(self, sessions: list[Session]) -> list[dict]:
        events: list[dict] = []
        for session in sessions:  # time order, so first touch and last non-direct click are known
            self.first_touch.setdefault(session.user, session)
            if session.touch.channel != "Direct":
                self.last_non_direct[session.user] = session
            events += self._session_events(session)
        events.sort(key=lambda e: (e["event_timestamp"], e["user_pseudo_id"], e["event_name"]))
        return events

    def _session_events(self, session: Session) -> list[dict]:
        start = _micros(session.touch.at)
        sid = int(session.touch.at.timestamp())
        base = self._common(session)
        page = f"https://{self.spec.hostname}{session.landing}"
        params = [_param("ga_session_id", sid), _param("ga_session_number", session.number),
                  _param("page_location", page)]
        if session.referrer:
            params.append(_param("page_referrer", session.referrer))
        collected = _collected(session)
        names = (["first_visit"] if session.number == 1 else []) + ["session_start", "page_view"]
        out = [{**base, "event_name": name, "event_timestamp": start + i, "event_params": list(params),
                "collected_traffic_source": collected, "ecommerce": None, "items": []}
               for i, name in enumerate(names)]
        if session.order is not None and not session.order["test"]:
            out.append(self._purchase(session, base, params[:2] + [_param("page_location", page)]))
        for event in out:
            event["event_date"] = datetime.fromtimestamp(event["event_timestamp"] / 1e6, UTC).astimezone(
                self.tz).strftime("%Y%m%d")
        return out

    def _common(self, session: Session) -> dict:
        first = self.first_touch[session.user]
        device = _DEVICES[_stable_hash(session.user) % len(_DEVICES)]
        return {"user_pseudo_id": session.user, "user_id": session.user_id,
                "user_first_touch_timestamp": _micros(first.touch.at),
                "device": {"category": device["category"], "operating_system": device["operating_system"],
                           "web_info": {"browser": device["browser"], "hostname": self.spec.hostname}},
                "geo": {"country": "Germany", "city": "Berlin"},
                "traffic_source": _first_touch(first.touch),
                "session_traffic_source_last_click": self._last_click(session),
                "stream_id": _STREAM_ID, "platform": "WEB"}

    def _last_click(self, session: Session) -> dict:
        """GA4's session last click: the session's own source, or the user's last non-direct one."""
        source = session if session.touch.channel != "Direct" else self.last_non_direct.get(session.user, session)
        touch = source.touch
        manual = {"campaign_id": touch.campaign_id, "campaign_name": touch.campaign or _placeholder(touch),
                  "source": touch.source or _derived_source(touch), "medium": touch.medium or _derived_medium(touch),
                  "term": None, "content": None}
        google = None
        if touch.platform == "google_ads":
            google = {"customer_id": touch.account_id, "account_name": None, "campaign_id": touch.campaign_id,
                      "campaign_name": touch.campaign, "ad_group_id": None, "ad_group_name": None}
        return {"manual_campaign": manual, "google_ads_campaign": google}

    def _purchase(self, session: Session, base: dict, params: list[dict]) -> dict:
        order = session.order
        created = datetime.fromisoformat(order["created_at"]).astimezone(UTC)
        revenue = Decimal(order["total_price"])
        tax, shipping = Decimal(order["total_tax"]), Decimal(order["total_shipping_price_set"]["shop_money"]["amount"])
        items = [{"item_id": line["sku"], "item_name": line["name"], "price": float(Decimal(line["price"])),
                  "quantity": line["quantity"]} for line in order["line_items"]]
        params = params + [_param("transaction_id", str(order["id"])), _param("value", float(revenue)),
                           _param("currency", order["currency"]), _param("tax", float(tax)),
                           _param("shipping", float(shipping))]
        ecommerce = {"transaction_id": str(order["id"]), "purchase_revenue": float(revenue),
                     "purchase_revenue_in_usd": float(revenue * self.usd) if self.usd else None,
                     "shipping_value": float(shipping), "tax_value": float(tax),
                     "total_item_quantity": sum(i["quantity"] for i in items), "unique_items": len(items)}
        return {**base, "event_name": "purchase", "event_timestamp": _micros(created) + 5_000_000,
                "event_params": params, "collected_traffic_source": None, "ecommerce": ecommerce, "items": items}


def _stable_hash(text: str) -> int:
    """A stable small hash (Python's hash() changes with PYTHONHASHSEED)."""
    return sum(ord(c) * (i + 1) for i, c in enumerate(text))


def _micros(at: datetime) -> int:
    return int(at.timestamp()) * 1_000_000


def _param(key: str, value: str | int | float) -> dict:
    kind = {str: "string_value", int: "int_value", float: "double_value"}[type(value)]
    return {"key": key, "value": {"string_value": None, "int_value": None, "float_value": None,
                                  "double_value": None, kind: value}}


def _collected(session: Session) -> dict | None:
    """What GA4 collected from the landing URL: UTMs and click ids only (organic sources are derived)."""
    touch = session.touch
    if touch.source is None and session.click is None:
        return None
    gclid = session.click[1] if session.click and session.click[0] == "gclid" else None
    return {"manual_campaign_id": touch.campaign_id, "manual_campaign_name": touch.campaign,
            "manual_source": touch.source, "manual_medium": touch.medium, "manual_term": None,
            "manual_content": None, "gclid": gclid, "dclid": None, "srsltid": None}


def _first_touch(touch: Touch) -> dict:
    return {"source": touch.source or _derived_source(touch), "medium": touch.medium or _derived_medium(touch),
            "name": touch.campaign or _placeholder(touch)}


def _placeholder(touch: Touch) -> str:
    return "(direct)" if touch.channel == "Direct" else "(organic)" if touch.channel == "Organic Search" \
        else "(referral)"


def _derived_source(touch: Touch) -> str:
    """The source GA4 derives from the referrer when the URL carried no UTMs."""
    return {"Organic Search": "google", "Organic Social": "pinterest.com",
            "Referral": "kitchen-blog.example"}.get(touch.channel, "(direct)")


def _derived_medium(touch: Touch) -> str:
    return {"Organic Search": "organic", "Organic Social": "referral", "Referral": "referral"}.get(
        touch.channel, "(none)")

