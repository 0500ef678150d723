"""Deterministic, seeded Google Ads customers, campaigns and daily campaign metrics.

``build_google_ads_world(GoogleAdsSpec(...))`` returns a :class:`GoogleAdsWorld`
that the local Google Ads REST emulator serves (api-contracts §5). Each
customer (ad account) has its own currency and time zone; every metric row is
one campaign on one **customer-local** date (analytics-definitions §2.1):

* ``cost_micros`` is an integer multiple of 10,000 (whole cents, as real spend),
* ``clicks`` and ``impressions`` are integers,
* ``conversions`` and ``conversions_value`` are doubles (data-driven
  attribution gives fractions such as ``3.47``), held to two decimals so that
  sums are exact in ``Decimal``.

Spend follows a weekday rhythm and a Black-Friday peak. Paused days, paused or
removed campaigns and the odd day without impressions have **no row at all**
(zero-activity rows are not returned when segmenting by date).

Every row's metrics depend only on (seed, customer, campaign, date), so a world
built up to day N and advanced by one day equals a world built up to day N+1.
The newest ``settle_days`` days report only part of their conversions (late
conversions); :meth:`GoogleAdsWorld.advance` appends a day and revises the
conversions of the days still settling, which is why clients re-pull a trailing
window and merge instead of appending.
"""

from __future__ import annotations

import bisect
import functools
import random
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

__all__ = [
    "AdvanceSummary", "Campaign", "CampaignDay", "Customer", "CustomerSpec", "GoogleAdsSpec", "GoogleAdsWorld",
    "US_CUSTOMER", "build_google_ads_world",
]

DAY = timedelta(days=1)
MICROS = 10**6
CENT = Decimal("0.01")

# Spend multiplier per weekday (Monday first): busy early week, quiet Saturday.
WEEKDAY_FACTORS = (1.06, 1.02, 1.0, 0.97, 0.9, 0.8, 0.92)

# name, advertising_channel_type, status, daily budget in EUR, channel profile
_TEMPLATES = (
    ("Brand – Search", "SEARCH", "ENABLED", 35.0, "brand"),
    ("Shopping – All Products", "SHOPPING", "ENABLED", 120.0, "shopping"),
    ("Generic – Search", "SEARCH", "PAUSED", 60.0, "generic"),
    ("Performance Max – Bestsellers", "PERFORMANCE_MAX", "REMOVED", 80.0, "pmax"),
    ("Display – Remarketing", "DISPLAY", "ENABLED", 22.0, "display"),
    ("Video – YouTube Awareness", "VIDEO", "PAUSED", 30.0, "video"),
    ("Shopping – Clearance", "SHOPPING", "ENABLED", 28.0, "shopping"),
    ("Demand Gen – Prospecting", "DEMAND_GEN", "ENABLED", 40.0, "display"),
)

# profile -> (cost per click, click-through rate, conversion rate, order value) in EUR
_PROFILES = {
    "brand": (0.42, 0.14, 0.11, 68.0),
    "shopping": (0.55, 0.016, 0.028, 61.0),
    "generic": (1.15, 0.045, 0.025, 74.0),
    "pmax": (0.62, 0.011, 0.032, 66.0),
    "display": (0.38, 0.0045, 0.009, 55.0),
    "video": (0.12, 0.0025, 0.002, 58.0),
}

# Units of the account currency per EUR, so that budgets look alike across accounts.
_CURRENCY_SCALE = {"EUR": 1.0, "USD": 1.1, "GBP": 0.85, "CHF": 0.95, "SEK": 11.0, "DKK": 7.5, "PLN": 4.3,
                   "CAD": 1.5, "AUD": 1.65, "JPY": 160.0}


@dataclass(frozen=True)
class CustomerSpec:
    """One Google Ads customer (ad account): 10 digits without hyphens, reached through ``manager_id`` if set."""

    customer_id: str = "1234567890"
    currency: str = "EUR"
    time_zone: str = "Europe/Berlin"
    campaigns: int = 4
    manager_id: str | None = "9876543210"


US_CUSTOMER = CustomerSpec(customer_id="5550001234", currency="USD", time_zone="America/New_York", campaigns=3,
                           manager_id=None)
"""A second, directly accessed customer in USD on New York time."""


@dataclass(frozen=True)
class GoogleAdsSpec:
    """Seed, customer-local date range (inclusive), customers and the late-conversion window."""

    seed: int = 42
    start: date = date(2026, 6, 1)
    end: date = date(2026, 11, 30)
    customers: tuple[CustomerSpec, ...] = (CustomerSpec(),)
    settle_days: int = 3
    budget_scale: float = 1.0  # multiplies every campaign budget, to size ads to a shop


@dataclass(frozen=True)
class Customer:
    """A customer as the ``customer`` resource describes it."""

    id: str
    currency_code: str
    time_zone: str
    manager_id: str | None
    descriptive_name: str

    @property
    def resource_name(self) -> str:
        """``customers/<id>``."""
        return f"customers/{self.id}"


@dataclass(frozen=True)
class Campaign:
    """A campaign with its current status; ``stopped_on`` is the first day without delivery (paused or removed)."""

    customer_id: str
    id: int
    name: str
    status: str
    advertising_channel_type: str
    budget: float = field(repr=False)
    profile: str = field(repr=False)
    scale: float = field(repr=False)
    stopped_on: date | None = None

    @property
    def resource_name(self) -> str:
        """``customers/<customer id>/campaigns/<campaign id>``."""
        return f"customers/{self.customer_id}/campaigns/{self.id}"


@dataclass
class CampaignDay:
    """Metrics of one campaign on one customer-local date, as reported today.

    ``conversions`` and ``conversions_value`` grow while the day settles;
    the final values are kept privately.
    """

    customer_id: str
    campaign_id: int
    date: date
    cost_micros: int
    clicks: int
    impressions: int
    conversions: float
    conversions_value: float
    final_conversions: Decimal = field(repr=False, compare=False)
    final_value: Decimal = field(repr=False, compare=False)


@dataclass(frozen=True)
class AdvanceSummary:
    """What :meth:`GoogleAdsWorld.advance` did."""

    days: tuple[date, ...]
    added: int
    revised: int


# --------------------------------------------------------------------------- generation


def _rng(*parts: object) -> random.Random:
    """A generator seeded from a string (sha512-based, independent of PYTHONHASHSEED)."""
    return random.Random("|".join(str(p) for p in parts))


def _validate(spec: GoogleAdsSpec) -> None:
    for broken, message in ((spec.end < spec.start, "end must not be before start"),
                            (spec.settle_days < 0, "settle_days must be >= 0"),
                            (spec.budget_scale <= 0, "budget_scale must be > 0")):
        if broken:
            raise ValueError(message)
    ids = [c.customer_id for c in spec.customers]
    if len(set(ids)) != len(ids):
        raise ValueError("customer ids must be unique")
    for cust in spec.customers:
        for value in (cust.customer_id, cust.manager_id):
            if value is not None and not (len(value) == 10 and value.isdigit()):
                raise ValueError(f"customer and manager ids are 10 digits without hyphens, not {value!r}")
        ZoneInfo(cust.time_zone)  # raises for an unknown zone
        if cust.campaigns < 0:
            raise ValueError("campaigns must be >= 0")


def _stop_day(spec: GoogleAdsSpec, rng: random.Random, status: str) -> date | None:
    """Removed campaigns stop 9-15 weeks after ``start``, paused ones 16-20 weeks after.

    Counted from ``start`` (not from ``end``) so that advancing a world equals building a longer one.
    """
    if status == "ENABLED":
        return None
    days = rng.randint(112, 140) if status == "PAUSED" else rng.randint(63, 105)
    return spec.start + timedelta(days=days)


def _campaigns(spec: GoogleAdsSpec, cust: CustomerSpec, used_ids: set[int]) -> list[Campaign]:
    rng = _rng(spec.seed, "campaigns", cust.customer_id)
    scale = _CURRENCY_SCALE.get(cust.currency, 1.0)
    out = []
    for n in range(cust.campaigns):
        name, channel, status, budget, profile = _TEMPLATES[n % len(_TEMPLATES)]
        if n >= len(_TEMPLATES):
            name = f"{name} #{n // len(_TEMPLATES) + 1}"
        campaign_id = rng.randrange(10_000_000_000, 23_000_000_000)
        while campaign_id in used_ids:
            campaign_id = rng.randrange(10_000_000_000, 23_000_000_000)
        used_ids.add(campaign_id)
        out.append(Campaign(cust.customer_id, campaign_id, name, status, channel,
                            round(budget * scale * spec.budget_scale * rng.uniform(0.8, 1.25), 2), profile, scale,
                            _stop_day(spec, rng, status)))
    return sorted(out, key=lambda c: c.id)


@functools.lru_cache(maxsize=4096)
def _pause_streak(seed: int, campaign_id: int, year: int, week: int) -> range:
    """ISO weekdays paused in one week: about one week in nine has a 2-4 day streak."""
    rng = _rng(seed, "pause", campaign_id, year, week)
    if rng.random() >= 0.11:
        return range(0)
    first = rng.randrange(1, 8)
    return range(first, first + rng.randint(2, 4))


def _paused(seed: int, campaign: Campaign, day: date) -> bool:
    if campaign.stopped_on is not None and day >= campaign.stopped_on:
        return True
    year, week, weekday = day.isocalendar()
    return weekday in _pause_streak(seed, campaign.id, year, week)


def _season(day: date) -> float:
    if day.month == 11 and day.day >= 20:  # Black Friday / Cyber Monday
        return 1.6
    if day.month == 12 and day.day <= 22:
        return 1.25
    return 1.0


def _two_places(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(CENT, ROUND_HALF_UP)


def _day_row(seed: int, campaign: Campaign, day: date) -> CampaignDay | None:
    """The final metrics of one campaign-day, or None for a day without delivery."""
    if _paused(seed, campaign, day):
        return None
    rng = _rng(seed, "day", campaign.customer_id, campaign.id, day.isoformat())
    if rng.random() < 0.01:  # served nothing at all that day
        return None
    cpc, ctr, cvr, aov = _PROFILES[campaign.profile]
    spend = campaign.budget * WEEKDAY_FACTORS[day.weekday()] * _season(day) * rng.uniform(0.7, 1.3)
    cents = max(1, round(spend * 100))
    unit = cpc * campaign.scale * rng.uniform(0.8, 1.2)
    clicks = max(0, round(cents / 100 / unit))
    impressions = max(1, clicks, round(clicks / (ctr * rng.uniform(0.75, 1.3))))
    conversions = _two_places(clicks * cvr * rng.uniform(0.5, 1.5))
    value = (conversions * _two_places(aov * campaign.scale * rng.uniform(0.85, 1.2))).quantize(CENT, ROUND_HALF_UP)
    return CampaignDay(campaign.customer_id, campaign.id, day, cents * 10_000, clicks, impressions,
                       0.0, 0.0, conversions, value)


def _settled_share(age: int, settle_days: int) -> Decimal:
    """Share of the final conversions visible ``age`` days after the day (1 once settled)."""
    if age >= settle_days:
        return Decimal(1)
    return Decimal("0.6") + Decimal("0.4") * Decimal(age) / Decimal(settle_days)


def _report(row: CampaignDay, today: date, settle_days: int) -> bool:
    """Set the reported conversions for ``today``; True if they changed."""
    share = _settled_share((today - row.date).days, settle_days)
    conversions = float((row.final_conversions * share).quantize(CENT, ROUND_HALF_UP))
    value = float((row.final_value * share).quantize(CENT, ROUND_HALF_UP))
    changed = (conversions, value) != (row.conversions, row.conversions_value)
    row.conversions, row.conversions_value = conversions, value
    return changed


# --------------------------------------------------------------------------- the world


class GoogleAdsWorld:
    """Customers, campaigns and daily campaign rows; ``end`` is "today" (the newest reported day).

    ``rows[customer_id]`` is sorted by (date, campaign id). ``revision`` grows
    with every :meth:`advance`; ``lock`` guards readers against it.
    """

    def __init__(self, spec: GoogleAdsSpec, customers: dict[str, Customer], campaigns: dict[str, list[Campaign]]):
        self.spec = spec
        self.seed = spec.seed
        self.start = spec.start
        self.end = spec.start - DAY
        self.settle_days = spec.settle_days
        self.customers = customers
        self.campaigns = campaigns
        self.rows: dict[str, list[CampaignDay]] = {cid: [] for cid in customers}
        self.revision = 0
        self.lock = threading.RLock()

    def customer(self, customer_id: str) -> Customer | None:
        """The customer with this id, or None."""
        return self.customers.get(customer_id)

    def campaign(self, customer_id: str, campaign_id: int) -> Campaign | None:
        """One campaign of a customer, or None."""
        return next((c for c in self.campaigns.get(customer_id, ()) if c.id == campaign_id), None)

    def daily_rows(self, customer_id: str, start: date | None = None, end: date | None = None) -> list[CampaignDay]:
        """A customer's rows with ``start <= date <= end`` (both optional), sorted by (date, campaign id)."""
        rows = self.rows.get(customer_id, [])
        dates = [r.date for r in rows]
        lo = 0 if start is None else bisect.bisect_left(dates, start)
        hi = len(rows) if end is None else bisect.bisect_right(dates, end)
        return rows[lo:hi]

    def advance(self, days: int = 1) -> AdvanceSummary:
        """Append ``days`` new days and revise the conversions of the days still settling."""
        if days < 1:
            raise ValueError("days must be >= 1")
        with self.lock:
            added = revised = 0
            new_days = []
            for _ in range(days):
                day_added, day_revised = self._append_day()
                added += day_added
                revised += day_revised
                new_days.append(self.end)
            self.revision += 1
            return AdvanceSummary(tuple(new_days), added, revised)

    def _append_day(self) -> tuple[int, int]:
        """Move "today" one day on: settle the recent days, then add the new one."""
        self.end += DAY
        added = revised = 0
        for cid, campaigns in self.campaigns.items():
            rows = self.rows[cid]
            window = self.end - timedelta(days=self.settle_days)
            for row in reversed(rows):
                if row.date < window:
                    break
                revised += _report(row, self.end, self.settle_days)
            for campaign in campaigns:
                row = _day_row(self.seed, campaign, self.end)
                if row is not None:
                    _report(row, self.end, self.settle_days)
                    rows.append(row)
                    added += 1
        return added, revised

    def expected_daily(self) -> dict[tuple[str, date, int], dict[str, object]]:
        """Exact reported metrics per (customer_id, date, campaign_id), money and doubles as Decimal.

        Each value holds ``cost`` (``Decimal(cost_micros) / 10**6``, in
        ``currency``), ``cost_micros``, ``clicks``, ``impressions``,
        ``conversions``, ``conversions_value``, ``currency`` and ``time_zone``.
        """
        out: dict[tuple[str, date, int], dict[str, object]] = {}
        with self.lock:
            for cid, rows in self.rows.items():
                customer = self.customers[cid]
                for row in rows:
                    out[(cid, row.date, row.campaign_id)] = {
                        "cost": Decimal(row.cost_micros) / MICROS, "cost_micros": row.cost_micros,
                        "clicks": row.clicks, "impressions": row.impressions,
                        "conversions": Decimal(repr(row.conversions)),
                        "conversions_value": Decimal(repr(row.conversions_value)),
                        "currency": customer.currency_code, "time_zone": customer.time_zone}
        return out


def build_google_ads_world(spec: GoogleAdsSpec | None = None) -> GoogleAdsWorld:
    """Generate the world for a spec: same spec, same customers, campaigns and rows."""
    spec = spec or GoogleAdsSpec()
    _validate(spec)
    customers = {}
    campaigns = {}
    used_ids: set[int] = set()
    for n, cust in enumerate(spec.customers):
        customers[cust.customer_id] = Customer(cust.customer_id, cust.currency, cust.time_zone, cust.manager_id,
                                               f"Store account {n + 1} ({cust.currency})")
        campaigns[cust.customer_id] = _campaigns(spec, cust, used_ids)
    world = GoogleAdsWorld(spec, customers, campaigns)
    days = (spec.end - spec.start).days + 1
    if days:
        world.advance(days)
    world.revision = 0
    return world
