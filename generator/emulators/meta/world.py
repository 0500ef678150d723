"""Deterministic, seeded Meta ad accounts that the local Ads Insights emulator serves.

``build_meta_world(MetaSpec(...))`` returns a :class:`MetaWorld`: ad accounts
with campaigns, ad sets and ads (numeric string ids), and one :class:`AdDay`
per ad and account-local day with delivery. Each AdDay is split by
``publisher_platform`` (facebook, instagram, audience_network, messenger);
its totals are the sums of those slices, so every level and breakdown the
emulator serves adds up exactly.

Realism that clients must cope with (api-contracts §4, analytics-definitions §2.1):

* a weekday rhythm, a Black-Friday peak and a summer dip in spend;
* campaigns launch late and pause for a few days in some weeks, and ads
  sometimes do not deliver: those days have **no rows** (a missing row is zero);
* every purchase is reported under **three overlapping action types**
  (``purchase``, ``omni_purchase``, ``offsite_conversion.fb_pixel_purchase``;
  omni/purchase occasionally one higher for on-site shop purchases), so summing
  all purchase types counts each purchase about three times. The canonical type
  is ``MetaSpec.purchase_action_type``;
* per-window attribution counts (``1d_click`` … ``28d_view``); the reported
  ``value`` is the default setting, ``7d_click + 1d_view``;
* :meth:`MetaWorld.advance` appends a day and *settles* the previous
  ``attribution_settle_days`` days: late conversions raise purchases and
  values there, and now and then spend is revised, never outside that window.

Reach is summed over ads and platforms (the real API de-duplicates people);
tests should compare reach only at ad level without breakdowns.
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

__all__ = [
    "ACTION_TYPES", "LEVELS", "PLATFORMS", "PURCHASE_TYPES", "WINDOWS",
    "AccountSpec", "Account", "Ad", "AdDay", "AdSet", "AdvanceSummary", "Campaign", "MetaSpec", "MetaWorld",
    "Metrics", "build_meta_world", "totals_of",
]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DAY = timedelta(days=1)

WINDOWS = ("1d_click", "7d_click", "28d_click", "1d_view", "7d_view", "28d_view")
PURCHASE_TYPES = ("purchase", "omni_purchase", "offsite_conversion.fb_pixel_purchase")
ACTION_TYPES = ("link_click", "landing_page_view", "add_to_cart", *PURCHASE_TYPES)
PLATFORMS = ("facebook", "instagram", "audience_network", "messenger")
LEVELS = ("account", "campaign", "adset", "ad")

# Units of the account currency per EUR of "real" cost, so that a USD account
# spends and earns on the same scale as an EUR one.
_CURRENCY_SCALE = {"EUR": 1.0, "USD": 1.08, "GBP": 0.85, "CHF": 0.95, "SEK": 11.2, "DKK": 7.46, "NOK": 11.6,
                   "PLN": 4.3, "CZK": 25.0, "CAD": 1.48, "AUD": 1.65}
# platform -> (share of the ad's spend, CPM in EUR)
_PLATFORM_MIX = {"facebook": (0.50, 9.0), "instagram": (0.38, 11.5), "audience_network": (0.08, 3.2),
                 "messenger": (0.04, 6.0)}
_WEEKDAY = (0.93, 0.95, 0.97, 1.0, 1.04, 1.10, 1.14)  # Monday .. Sunday
_THEMES = ("Spring Sale", "Summer Sale", "Autumn Collection", "Evergreen", "New Arrivals", "Bestsellers",
           "Back to School", "Gift Guide", "Black Friday", "Brand Awareness")
_AUDIENCES = ("Prospecting", "Retargeting", "Advantage+ Shopping")
_ADSET_NAMES = {
    "Prospecting": ("Broad – 25-54", "Lookalike 1% – Purchasers", "Interests – Home & Living", "Lookalike 3% – ATC"),
    "Retargeting": ("Website Visitors – 30d", "Add to Cart – 14d", "Engagers – 60d", "Past Buyers – 180d"),
    "Advantage+ Shopping": ("Advantage+ Audience", "Advantage+ – Existing Customers", "Advantage+ – Catalog"),
}
_AD_NAMES = ("Carousel – Bestsellers", "Video 15s – UGC", "Static – Offer", "Reel – Unboxing",
             "Collection – Catalog", "Static – Testimonial")
# audience -> (CTR, conversion rate per landing-page view, share of purchases attributed to a 1d view)
_AUDIENCE_RATES = {"Prospecting": (0.011, 0.016, 0.25), "Retargeting": (0.019, 0.042, 0.12),
                   "Advantage+ Shopping": (0.014, 0.024, 0.20)}
_ID_BASE = 120_210_000_000_000


def _q(amount: Decimal | float) -> Decimal:
    return Decimal(str(amount)).quantize(CENT, ROUND_HALF_UP)


def _rng(seed: int, *parts: object) -> random.Random:
    """An independent stream per purpose, stable across runs (str seeds are hashed with SHA-512)."""
    return random.Random("|".join(str(p) for p in (seed, *parts)))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class AccountSpec:
    """One ad account: ``act_<digits>`` id, currency, time zone and entity counts."""

    account_id: str = "act_1000001"
    currency: str = "EUR"
    timezone: str = "Europe/Berlin"
    campaigns: int = 3
    adsets_per_campaign: int = 2
    ads_per_adset: int = 2

    def __post_init__(self) -> None:
        if not re.fullmatch(r"act_\d+", self.account_id):
            raise ValueError(f"account_id must look like 'act_1000001', not {self.account_id!r}")
        if self.currency not in _CURRENCY_SCALE:
            raise ValueError(f"unsupported currency {self.currency!r}; known: {sorted(_CURRENCY_SCALE)}")
        if min(self.campaigns, self.adsets_per_campaign, self.ads_per_adset) < 1:
            raise ValueError("campaigns, adsets_per_campaign and ads_per_adset must be >= 1")
        ZoneInfo(self.timezone)  # raises for an unknown IANA name


@dataclass(frozen=True)
class MetaSpec:
    """What to generate. Equal specs give identical worlds."""

    seed: int = 42
    start: date = date(2026, 6, 1)
    end: date = date(2026, 11, 30)
    accounts: tuple[AccountSpec, ...] = (AccountSpec(),)
    purchase_action_type: str = "offsite_conversion.fb_pixel_purchase"
    attribution_settle_days: int = 7
    budget_scale: float = 1.0  # multiplies every campaign budget, to size ads to a shop

    def __post_init__(self) -> None:
        if self.budget_scale <= 0:
            raise ValueError("budget_scale must be > 0")
        if self.end < self.start:
            raise ValueError("end must not be before start")
        ids = [a.account_id for a in self.accounts]
        if not ids or len(set(ids)) != len(ids):
            raise ValueError("accounts must be non-empty with unique account_id values")
        if self.purchase_action_type not in PURCHASE_TYPES:
            raise ValueError(f"purchase_action_type must be one of {PURCHASE_TYPES}")
        if self.attribution_settle_days < 0:
            raise ValueError("attribution_settle_days must be >= 0")


# --------------------------------------------------------------------------- entities and metrics


@dataclass(frozen=True)
class Account:
    """An ad account. ``id`` is ``act_<n>``; ``account_id`` is ``<n>`` as the Insights rows carry it."""

    id: str
    account_id: str
    name: str
    currency: str
    timezone: str


@dataclass(frozen=True)
class Campaign:
    id: str
    account_id: str  # act_<n>
    name: str
    objective: str
    audience: str
    daily_budget: Decimal
    launch: date


@dataclass(frozen=True)
class AdSet:
    id: str
    account_id: str
    campaign_id: str
    name: str
    share: float  # of the campaign budget


@dataclass(frozen=True)
class Ad:
    id: str
    account_id: str
    campaign_id: str
    adset_id: str
    name: str
    share: float  # of the ad set budget
    quality: float  # CTR/CVR multiplier of the creative
    aov: float  # mean purchase value in the account currency


def _zero_windows() -> dict:
    return dict.fromkeys(WINDOWS, 0)


def _window(windows: dict | None, window: str, zero: int | Decimal) -> int | Decimal:
    if not windows:
        return zero
    if window == "value":  # the default attribution setting
        return windows["7d_click"] + windows["1d_view"]
    return windows[window]


@dataclass
class Metrics:
    """Delivery and per-window action counts/values of one slice, row or aggregate."""

    spend: Decimal = ZERO
    impressions: int = 0
    clicks: int = 0
    reach: int = 0
    actions: dict[str, dict[str, int]] = field(default_factory=dict)
    action_values: dict[str, dict[str, Decimal]] = field(default_factory=dict)

    def action(self, action_type: str, window: str = "value") -> int:
        """Count of one action type; ``window="value"`` is the default ``7d_click + 1d_view``."""
        return _window(self.actions.get(action_type), window, 0)

    def action_value(self, action_type: str, window: str = "value") -> Decimal:
        """Value of one action type in the account currency (same windows as :meth:`action`)."""
        return _window(self.action_values.get(action_type), window, ZERO)

    def add(self, other: Metrics) -> Metrics:
        """Add ``other`` into this one (in place) and return self."""
        self.spend += other.spend
        self.impressions += other.impressions
        self.clicks += other.clicks
        self.reach += other.reach
        for mine, theirs in ((self.actions, other.actions), (self.action_values, other.action_values)):
            for action_type, windows in theirs.items():
                target = mine.setdefault(action_type, {})
                for window, value in windows.items():
                    target[window] = target.get(window, 0) + value
        return self

    def copy(self) -> Metrics:
        """An independent copy."""
        return Metrics().add(self)


def _stat_list(stats: dict[str, dict], zero: int | Decimal) -> list[dict]:
    out = []
    for action_type in ACTION_TYPES:
        windows = stats.get(action_type)
        if windows and any(windows.values()):
            out.append({"action_type": action_type, "value": _window(windows, "value", zero), **windows})
    return out


@dataclass
class AdDay:
    """One ad on one account-local day, split by publisher platform (only platforms with impressions)."""

    account_id: str  # act_<n>
    day: date
    campaign_id: str
    adset_id: str
    ad_id: str
    platforms: dict[str, Metrics]

    def totals(self) -> Metrics:
        """The row's totals: the sum of its platform slices."""
        total = Metrics()
        for metrics in self.platforms.values():
            total.add(metrics)
        return total

    @property
    def spend(self) -> Decimal:
        return sum((m.spend for m in self.platforms.values()), ZERO)

    @property
    def impressions(self) -> int:
        return sum(m.impressions for m in self.platforms.values())

    @property
    def clicks(self) -> int:
        return sum(m.clicks for m in self.platforms.values())

    @property
    def reach(self) -> int:
        return sum(m.reach for m in self.platforms.values())

    @property
    def actions(self) -> list[dict]:
        """``[{"action_type", "value", "1d_click", ...}]`` with ints, types with activity only."""
        return _stat_list(self.totals().actions, 0)

    @property
    def action_values(self) -> list[dict]:
        """Like :attr:`actions`, with Decimal values in the account currency."""
        return _stat_list(self.totals().action_values, ZERO)

    def fingerprint(self) -> tuple:
        """A hashable snapshot of everything stored (to detect revisions)."""
        return tuple((p, m.spend, m.impressions, m.clicks, m.reach,
                      tuple(_window_tuple(m.actions.get(t)) for t in ACTION_TYPES),
                      tuple(_window_tuple(m.action_values.get(t)) for t in ACTION_TYPES))
                     for p, m in sorted(self.platforms.items()))


def _window_tuple(windows: dict | None) -> tuple:
    return () if windows is None else tuple(map(windows.get, WINDOWS))


@dataclass(frozen=True)
class AdvanceSummary:
    """What one :meth:`MetaWorld.advance` call did."""

    days: tuple[date, ...]
    rows_added: int
    rows_revised: int
    spend_revisions: int


# --------------------------------------------------------------------------- generation


class _Ids:
    """Increasing numeric ids in Meta's 15-digit style, deterministic per seed."""

    def __init__(self, seed: int) -> None:
        self._rng = _rng(seed, "ids")
        self._next = _ID_BASE + (seed % 1000) * 1_000_000

    def next(self) -> str:
        self._next += self._rng.randint(1, 97)
        return str(self._next)


def _season(day: date) -> float:
    nov1 = date(day.year, 11, 1)
    black_friday = nov1 + timedelta(days=(4 - nov1.weekday()) % 7 + 21)
    if -4 <= (day - black_friday).days <= 3:
        return 1.65
    if date(day.year, 7, 15) <= day <= date(day.year, 8, 15):
        return 0.88
    return 1.0


def _paused(seed: int, campaign: Campaign, day: date) -> bool:
    """Before launch, or inside this ISO week's pause (about one week in five has 1-3 paused days)."""
    if day < campaign.launch:
        return True
    year, week, weekday = day.isocalendar()
    rng = _rng(seed, "pause", campaign.id, year, week)
    if rng.random() >= 0.2:
        return False
    first = rng.randrange(7) + 1
    return first <= weekday < first + rng.randint(1, 3)


def _split(rng: random.Random, count: int, view_share: float) -> dict[str, int]:
    """Per-window counts for ``count`` conversions under the default setting (7d_click + 1d_view)."""
    view = _binomial(rng, count, view_share)
    click = count - view
    windows = {"1d_click": click - _binomial(rng, click, 0.3), "7d_click": click,
               "28d_click": click + _poisson(rng, 0.1 * click + 0.03), "1d_view": view}
    windows["7d_view"] = view + _poisson(rng, 0.3 * view + 0.05)
    windows["28d_view"] = windows["7d_view"] + _poisson(rng, 0.2 * view + 0.02)
    return windows


def _valued(windows: dict[str, int], unit: Decimal) -> dict[str, Decimal]:
    return {w: n * unit for w, n in windows.items()}


def _conversions(rng: random.Random, metrics: Metrics, lpv: int, rates: tuple[float, float, float],
                 ad: Ad, scale: float) -> None:
    """add_to_cart and the three overlapping purchase types."""
    _, cvr, view_share = rates
    carts = _split(rng, _poisson(rng, lpv * 0.14 * ad.quality), view_share)
    pixel = _split(rng, _poisson(rng, lpv * cvr * ad.quality), view_share)
    onsite = 1 if rng.random() < 0.006 else 0  # a shop purchase the pixel never sees
    omni = {w: n + (onsite if w.endswith("_click") else 0) for w, n in pixel.items()}
    unit = _q(max(5.0, rng.gauss(ad.aov, ad.aov * 0.15)) * scale)
    metrics.actions.update({"add_to_cart": carts, "offsite_conversion.fb_pixel_purchase": pixel,
                            "omni_purchase": omni, "purchase": dict(omni)})
    metrics.action_values.update({"add_to_cart": _valued(carts, _q(unit * Decimal("1.15"))),
                                  "offsite_conversion.fb_pixel_purchase": _valued(pixel, unit),
                                  "omni_purchase": _valued(omni, unit), "purchase": _valued(omni, unit)})


def _slice(rng: random.Random, spend: Decimal, cpm: float, campaign: Campaign, ad: Ad, scale: float) -> Metrics:
    """One platform's delivery for one ad-day, from spend down the funnel."""
    rates = _AUDIENCE_RATES[campaign.audience]
    impressions = max(1, round(float(spend) / (cpm * rng.uniform(0.85, 1.15)) * 1000))
    clicks = min(impressions, round(impressions * rates[0] * ad.quality * rng.uniform(0.8, 1.2)))
    link = round(clicks * rng.uniform(0.75, 0.9))
    lpv = round(link * rng.uniform(0.6, 0.8))
    metrics = Metrics(spend=spend, impressions=impressions, clicks=clicks,
                      reach=max(1, round(impressions / rng.uniform(1.05, 1.6))))
    metrics.actions["link_click"] = {**_zero_windows(), "1d_click": link, "7d_click": link, "28d_click": link}
    metrics.actions["landing_page_view"] = {**_zero_windows(), "1d_click": lpv, "7d_click": lpv, "28d_click": lpv}
    _conversions(rng, metrics, lpv, rates, ad, scale)
    return metrics


def _ad_day(seed: int, campaign: Campaign, adset: AdSet, ad: Ad, day: date, scale: float) -> AdDay | None:
    rng = _rng(seed, "delivery", ad.id, day.isoformat())
    if rng.random() < 0.03:  # no delivery today (learning phase, disapproval, budget spent elsewhere)
        return None
    budget = (float(campaign.daily_budget) * adset.share * ad.share * _WEEKDAY[day.weekday()] * _season(day)
              * rng.lognormvariate(0, 0.18))
    platforms = {}
    for platform, (share, cpm) in _PLATFORM_MIX.items():
        spend = _q(budget * share * rng.uniform(0.7, 1.3))
        if spend >= CENT:
            platforms[platform] = _slice(rng, spend, cpm * scale, campaign, ad, scale)
    if not platforms:
        return None
    return AdDay(ad.account_id, day, campaign.id, adset.id, ad.id, platforms)


def _shares(rng: random.Random, n: int) -> list[float]:
    weights = [rng.uniform(0.6, 1.4) for _ in range(n)]
    total = sum(weights)
    return [w / total for w in weights]


def _build_account(spec: MetaSpec, acct: AccountSpec, index: int, ids: _Ids,
                   themes: list[str]) -> tuple[Account, list[Campaign], list[AdSet], list[Ad]]:
    rng = _rng(spec.seed, "account", acct.account_id)
    scale = _CURRENCY_SCALE[acct.currency]
    account = Account(acct.account_id, acct.account_id[4:], f"Sandbox Store {index + 1} ({acct.currency})",
                      acct.currency, acct.timezone)
    campaigns, adsets, ads = [], [], []
    for c in range(acct.campaigns):
        audience = _AUDIENCES[c % len(_AUDIENCES)]
        theme = themes.pop(0) if themes else f"Always On {c + 1}"
        launch = spec.start if c == 0 else spec.start + timedelta(days=rng.randrange(0, 21))
        campaign = Campaign(ids.next(), account.id, f"{theme} – {audience}", "OUTCOME_SALES", audience,
                            _q(rng.uniform(40, 160) * scale * spec.budget_scale), launch)
        campaigns.append(campaign)
        names = _ADSET_NAMES[audience]
        for s, share in enumerate(_shares(rng, acct.adsets_per_campaign)):
            suffix = "" if s < len(names) else f" {s // len(names) + 1}"
            adset = AdSet(ids.next(), account.id, campaign.id, names[s % len(names)] + suffix, share)
            adsets.append(adset)
            for a, ad_share in enumerate(_shares(rng, acct.ads_per_adset)):
                suffix = "" if a < len(_AD_NAMES) else f" {a // len(_AD_NAMES) + 1}"
                name = _AD_NAMES[(a + s + c) % len(_AD_NAMES)] + suffix
                ads.append(Ad(ids.next(), account.id, campaign.id, adset.id, name, ad_share,
                              rng.uniform(0.75, 1.3), rng.uniform(45, 95)))
    return account, campaigns, adsets, ads


def build_meta_world(spec: MetaSpec | None = None) -> MetaWorld:
    """Generate the accounts and every ad-day from ``spec.start`` to ``spec.end`` (inclusive)."""
    spec = spec or MetaSpec()
    ids = _Ids(spec.seed)
    themes = list(_THEMES)
    _rng(spec.seed, "themes").shuffle(themes)
    world = MetaWorld(spec)
    for index, acct in enumerate(spec.accounts):
        account, campaigns, adsets, ads = _build_account(spec, acct, index, ids, themes)
        world._register(account, campaigns, adsets, ads)
    day = spec.start
    while day <= spec.end:
        world._generate(day)
        day += DAY
    return world


# --------------------------------------------------------------------------- the world


class MetaWorld:
    """Ad accounts with daily ad-level delivery; :meth:`advance` moves the clock (see module docstring).

    ``end`` is the newest day with data (the emulator's "yesterday").
    ``revision`` increases with every change; ``lock`` guards reads against
    a concurrent :meth:`advance`. Treat the rows as read-only.
    """

    def __init__(self, spec: MetaSpec) -> None:
        self.spec = spec
        self.start = spec.start
        self.end = spec.start - DAY
        self.accounts: list[Account] = []
        self.campaigns: list[Campaign] = []
        self.adsets: list[AdSet] = []
        self.ads: list[Ad] = []
        self.revision = 0
        self.lock = threading.RLock()
        self._by_id: dict[str, Account | Campaign | AdSet | Ad] = {}
        self._rows: dict[str, dict[date, list[AdDay]]] = {}
        self._campaigns_of: dict[str, list[Campaign]] = {}
        self._ads_of: dict[str, list[Ad]] = {}

    def _register(self, account: Account, campaigns: list[Campaign], adsets: list[AdSet], ads: list[Ad]) -> None:
        self.accounts.append(account)
        self.campaigns += campaigns
        self.adsets += adsets
        self.ads += ads
        for entity in (account, *campaigns, *adsets, *ads):
            self._by_id[entity.id] = entity
        self._rows[account.id] = {}
        self._campaigns_of[account.id] = campaigns
        for campaign in campaigns:
            self._ads_of[campaign.id] = [ad for ad in ads if ad.campaign_id == campaign.id]

    # ----------------------------------------------------------------- lookups

    @property
    def purchase_action_type(self) -> str:
        """The canonical purchase action type clients should count."""
        return self.spec.purchase_action_type

    @property
    def days(self) -> list[date]:
        """Every day from ``start`` to ``end``."""
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def account(self, account_id: str) -> Account | None:
        """The account for ``act_<n>`` or ``<n>``."""
        found = self._by_id.get(account_id if account_id.startswith("act_") else f"act_{account_id}")
        return found if isinstance(found, Account) else None

    def campaign(self, campaign_id: str) -> Campaign | None:
        found = self._by_id.get(campaign_id)
        return found if isinstance(found, Campaign) else None

    def adset(self, adset_id: str) -> AdSet | None:
        found = self._by_id.get(adset_id)
        return found if isinstance(found, AdSet) else None

    def ad(self, ad_id: str) -> Ad | None:
        found = self._by_id.get(ad_id)
        return found if isinstance(found, Ad) else None

    def rows(self, account_id: str | None = None, since: date | None = None, until: date | None = None) -> list[AdDay]:
        """Ad-days in (account, day, ad id) order; ``since``/``until`` are inclusive."""
        accounts = [self.account(account_id)] if account_id is not None else self.accounts
        out: list[AdDay] = []
        with self.lock:
            for account in accounts:
                if account is None:
                    continue
                for day, rows in self._rows[account.id].items():
                    if (since is None or day >= since) and (until is None or day <= until):
                        out += rows
        return out

    def expected_daily(self, level: str = "ad") -> dict[tuple, Metrics]:
        """Exact totals per ``(account id, day)`` plus the entity id for levels below account.

        Keys are ``("act_1000001", date)`` for ``level="account"`` and
        ``("act_1000001", date, "<campaign/adset/ad id>")`` otherwise.
        """
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}")
        attr = {"campaign": "campaign_id", "adset": "adset_id", "ad": "ad_id"}.get(level)
        out: dict[tuple, Metrics] = {}
        for row in self.rows():
            key = (row.account_id, row.day) if attr is None else (row.account_id, row.day, getattr(row, attr))
            out.setdefault(key, Metrics()).add(row.totals())
        return out

    # ----------------------------------------------------------------- the clock

    def _generate(self, day: date) -> int:
        added = 0
        for account in self.accounts:
            scale = _CURRENCY_SCALE[account.currency]
            rows = []
            for campaign in self._campaigns_of[account.id]:
                if _paused(self.spec.seed, campaign, day):
                    continue
                for ad in self._ads_of[campaign.id]:
                    row = _ad_day(self.spec.seed, campaign, self._by_id[ad.adset_id], ad, day, scale)
                    if row is not None:
                        rows.append(row)
            if rows:
                self._rows[account.id][day] = rows
                added += len(rows)
        self.end = day
        return added

    def advance(self, days: int = 1) -> AdvanceSummary:
        """Append ``days`` new days; before each, settle the last ``attribution_settle_days`` days."""
        if days < 0:
            raise ValueError("days must be >= 0")
        new_days, added, revised, spend = [], 0, 0, 0
        with self.lock:
            for _ in range(days):
                day = self.end + DAY
                got = self._settle(day)
                revised += got[0]
                spend += got[1]
                added += self._generate(day)
                new_days.append(day)
                self.revision += 1
        return AdvanceSummary(tuple(new_days), added, revised, spend)

    def _settle(self, today: date) -> tuple[int, int]:
        """Late conversions (and occasional spend revisions) on the days in the settle window before ``today``."""
        revised = spend = 0
        first = max(self.start, today - timedelta(days=self.spec.attribution_settle_days))
        for row in self.rows(since=first, until=today - DAY):
            rng = _rng(self.spec.seed, "settle", today.isoformat(), row.ad_id, row.day.isoformat())
            changed = rng.random() < 0.3
            if changed:
                _late_conversion(rng, row, self.ad(row.ad_id), self._scale(row.account_id))
            if rng.random() < 0.05 and _revise_spend(rng, row):
                changed = True
                spend += 1
            revised += changed
        return revised, spend

    def _scale(self, account_id: str) -> float:
        account = self.account(account_id)
        return _CURRENCY_SCALE[account.currency] if account else 1.0


def _late_conversion(rng: random.Random, row: AdDay, ad: Ad | None, scale: float) -> None:
    """One more purchase (under all three overlapping types), sometimes a cart too, on 7d/28d click."""
    platform = max(row.platforms, key=lambda p: (row.platforms[p].clicks, p))
    metrics = row.platforms[platform]
    unit = _q(max(5.0, rng.gauss(ad.aov if ad else 60.0, 8.0)) * scale)
    types = PURCHASE_TYPES + (("add_to_cart",) if rng.random() < 0.5 else ())
    for action_type in types:
        for window in ("7d_click", "28d_click"):
            metrics.actions[action_type][window] += 1
            metrics.action_values[action_type][window] += unit


def _revise_spend(rng: random.Random, row: AdDay) -> bool:
    """A small spend correction on one platform slice (mostly down: invalid-activity credits)."""
    platform = rng.choice(sorted(row.platforms))
    metrics = row.platforms[platform]
    revised = max(CENT, _q(float(metrics.spend) * rng.uniform(0.97, 1.01)))
    changed = revised != metrics.spend
    metrics.spend = revised
    return changed


def totals_of(rows: Iterable[AdDay]) -> Metrics:
    """The sum of some ad-days (a convenience for tests)."""
    total = Metrics()
    for row in rows:
        total.add(row.totals())
    return total
