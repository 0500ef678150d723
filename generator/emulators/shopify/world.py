"""A deterministic, seeded Shopify shop that the local Admin REST emulator serves.

``build_world(WorldSpec(...))`` returns a :class:`ShopWorld` whose ``orders``,
``products`` and ``customers`` are exactly the JSON objects the REST Admin API
(2025-01 shapes, api-contracts §3.6/§3.7) serves. The same spec always gives
byte-identical JSON; :meth:`ShopWorld.mutate` advances the clock by one day and
adds orders, refunds, edits and cancellations so that incremental loads can be
tested against a world that changes.

The shop is tax-exclusive (``taxes_included = false``) and never refunds
shipping, so every analytics definition can be computed exactly from the JSON.

Speed: 100k orders build in 15-18 s on the 2-core project machine. Priced
baskets and line-item templates are cached, and the cyclic GC is paused
during the build (it would rescan millions of fresh dicts over and over).

Nested dicts are shared where the real API returns the same value twice (money
``*_set`` objects, the embedded ``customer`` of one customer's orders, the
``line_item`` inside a refund line). Treat the lists as read-only; use
:meth:`ShopWorld.snapshot` for an independent copy.
"""

from __future__ import annotations

import base64
import bisect
import gc
import itertools
import json
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

__all__ = ["MutationSummary", "ShopWorld", "WorldSpec", "build_world"]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
DAY = timedelta(days=1)

# Units of each currency per 1 EUR. Fixed, because the world has no FX feed:
# presentment amounts must be reproducible from the shop amounts alone.
_EUR_RATES = {
    "EUR": Decimal("1"), "USD": Decimal("1.0850"), "GBP": Decimal("0.8420"),
    "CHF": Decimal("0.9410"), "SEK": Decimal("11.2300"), "DKK": Decimal("7.4600"),
    "NOK": Decimal("11.6500"), "PLN": Decimal("4.2700"), "CZK": Decimal("25.1000"),
    "CAD": Decimal("1.4900"), "AUD": Decimal("1.6400"), "JPY": Decimal("162.5000"),
}

# country code -> (name, tax title, standard rate, reduced rate); None = no tax
# charged (exports outside the merchant's tax registrations).
_COUNTRIES = {
    "DE": ("Germany", "DE MwSt", "0.19", "0.07"), "AT": ("Austria", "AT USt", "0.20", "0.10"),
    "FR": ("France", "FR TVA", "0.20", "0.055"), "NL": ("Netherlands", "NL BTW", "0.21", "0.09"),
    "GB": ("United Kingdom", "GB VAT", "0.20", "0.05"), "CH": ("Switzerland", "CH MWST", "0.081", "0.026"),
    "SE": ("Sweden", "SE Moms", "0.25", "0.12"), "DK": ("Denmark", "DK Moms", "0.25", "0.25"),
    "NO": ("Norway", "NO MVA", "0.25", "0.15"), "PL": ("Poland", "PL VAT", "0.23", "0.08"),
    "CZ": ("Czechia", "CZ DPH", "0.21", "0.12"), "US": ("United States", None, None, None),
    "CA": ("Canada", None, None, None), "AU": ("Australia", None, None, None),
    "JP": ("Japan", None, None, None),
}
# country -> (tax title, standard rate, reduced rate) as Decimals; zero = untaxed.
_TAX_RATES = {code: (title, Decimal(std or "0"), Decimal(red or "0"))
              for code, (_, title, std, red) in _COUNTRIES.items()}
_CITIES = {"DE": ("Berlin", "Hamburg", "München", "Köln", "Leipzig"), "AT": ("Wien", "Graz"),
           "FR": ("Paris", "Lyon"), "NL": ("Amsterdam", "Utrecht"), "GB": ("London", "Leeds"),
           "CH": ("Zürich", "Basel"), "US": ("New York", "Austin", "Portland")}
_DESTINATIONS = {"EUR": (("DE", 70), ("AT", 12), ("FR", 10), ("NL", 8)), "USD": (("US", 1),),
                 "GBP": (("GB", 1),), "CHF": (("CH", 1),), "SEK": (("SE", 1),), "DKK": (("DK", 1),),
                 "NOK": (("NO", 1),), "PLN": (("PL", 1),), "CZK": (("CZ", 1),), "CAD": (("CA", 1),),
                 "AUD": (("AU", 1),), "JPY": (("JP", 1),)}

# title, product_type, vendor, base price, tax class, (option name, values)
_CATALOG = (
    ("Ceramic Mug", "Kitchen", "Nordic Clay", "18.00", "std", ("Color", ("Red", "Blue", "Sand"))),
    ("Organic Coffee Beans 500g", "Food", "Roastery Nine", "14.90", "red",
     ("Grind", ("Whole Bean", "Espresso", "Filter"))),
    ("Pour-Over Coffee Set", "Kitchen", "Nordic Clay", "49.00", "std", None),
    ("Loose Leaf Tea Tin", "Food", "Leaf & Co", "9.50", "red", ("Flavour", ("Earl Grey", "Sencha", "Rooibos"))),
    ("Hiking Socks", "Apparel", "Fjellwool", "16.50", "std", ("Size", ("36-39", "40-43", "44-47"))),
    ("Merino Beanie", "Apparel", "Fjellwool", "29.00", "std", ("Color", ("Charcoal", "Moss"))),
    ("Linen Apron", "Textiles", "Atelier Lin", "34.00", "std", ("Size", ("S/M", "L/XL"))),
    ("Cookbook: Slow Mornings", "Books", "Verlag Morgen", "28.00", "red", None),
    ("Scented Candle", "Home", "Leaf & Co", "22.00", "std", ("Scent", ("Cedar", "Fig"))),
    ("Walnut Cutting Board", "Kitchen", "Holzwerk", "59.00", "std", ("Size", ("Medium", "Large"))),
    ("Wool Throw Blanket", "Home", "Fjellwool", "119.00", "std", None),
    ("Gift Wrapping", "Service", "In-House", "4.50", "std", None),
)

# name, weight, utm_source, utm_medium, campaigns, referring_site, click-id parameter
_CHANNELS = (
    ("google_cpc", 20, "google", "cpc", ("brand_search", "generic_search"), "https://www.google.com/", "gclid"),
    ("google_shopping", 6, "google", "shopping", ("pmax_feed",), "https://www.google.com/", "gclid"),
    ("meta_paid", 18, "facebook", "paid_social", ("prospecting_autumn", "retargeting_dpa"),
     "https://l.facebook.com/", "fbclid"),
    ("instagram_paid", 6, "instagram", "paid_social", ("reels_mugs",), "https://l.instagram.com/", "fbclid"),
    ("tiktok_paid", 4, "tiktok", "paid_social", ("spark_ads",), "https://www.tiktok.com/", "ttclid"),
    ("email", 9, "klaviyo", "email", ("weekly_newsletter", "winback_flow"), None, None),
    ("pinterest", 3, "pinterest", "social", ("pins_home",), "https://www.pinterest.com/", None),
    ("organic_search", 14, None, None, (), "https://www.google.com/", None),
    ("referral", 4, None, None, (), "https://www.kitchen-blog.example/best-mugs", None),
    ("direct", 16, None, None, (), None, None),
)

# code, type, value (percentage or shop-currency amount)
_CODES = (("WELCOME10", "percentage", "10.0"), ("AUTUMN15", "percentage", "15.0"),
          ("SAVE5", "fixed_amount", "5.00"), ("FRIENDS20", "percentage", "20.0"),
          ("TENOFF", "fixed_amount", "10.00"))

# Orders per shop-local hour: quiet nights, an evening peak.
_HOUR_WEIGHTS = (2, 1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 9, 8, 8, 8, 9, 10, 12, 14, 15, 13, 9, 5)
_WEEKDAY_WEIGHTS = (1.05, 1.0, 0.95, 1.0, 1.1, 0.9, 1.2)  # Monday first

# role, share of orders, minimum count (so small worlds still have every case)
_ROLES = (("test", 0.01, 1), ("cancel_void", 0.01, 1), ("cancel_refund", 0.005, 1),
          ("voided", 0.003, 1), ("pos", 0.03, 1), ("import", 0.005, 1),
          ("pending", 0.015, 1), ("authorized", 0.005, 1))

_FIRST = ("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas",
          "Lea", "Max", "Nora", "Oskar", "Paula", "Rafael", "Sofia", "Tom", "Uma", "Yusuf")
_LAST = ("Schmidt", "Müller", "Weber", "Fischer", "Wagner", "Becker", "Hoffmann", "Koch",
         "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Braun", "Hofmann", "Lange")
_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")
_TAGS = ("gift", "review-requested", "vip", "wholesale")
_NOTES = ("Please deliver to the neighbour if absent.", "Gift — no invoice in the parcel.",
          "Customer called about delivery date.")
_CANCEL_REASONS = ("customer", "customer", "fraud", "inventory", "declined", "other")
_REFUND_NOTES = ("Customer return", "Damaged in transit", "Wrong size", None)
_LOCATION_ID = 71_234_567_890  # the one warehouse / shop location


def _q(amount: Decimal) -> Decimal:
    """Round money to cents, half-up (Shopify's rounding for presentment money)."""
    return amount.quantize(CENT, ROUND_HALF_UP)


def _s(amount: Decimal) -> str:
    """Money as the API's 2-decimal string."""
    return str(amount.quantize(CENT, ROUND_HALF_UP))


def _dec(text: str) -> Decimal:
    return Decimal(text)


def _token(rng: _Rng, length: int) -> str:
    """A random URL-safe token (click ids, confirmation numbers)."""
    raw = rng.getrandbits(6 * length + 6).to_bytes((6 * length + 13) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode()[-length:]


class _Rng(random.Random):
    """random.Random with cheaper randint/choice and table-driven weighted picks.

    Generation makes ~100 random draws per order; the stdlib versions of these
    helpers are several times slower, which matters for 100k-order worlds.
    """

    def randint(self, a: int, b: int) -> int:
        """Uniform integer in [a, b]."""
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        """Uniform integer in [start, stop) (step must be 1)."""
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def choice(self, seq):  # same signature as random.Random.choice
        """Uniform element of a non-empty sequence."""
        return seq[int(self.random() * len(seq))]

    def pick(self, table: _Weighted):
        """Weighted element of a precomputed table."""
        return table.items[bisect.bisect(table.cum, self.random() * table.total)]


@dataclass(frozen=True)
class _Weighted:
    items: tuple
    cum: tuple[float, ...]
    total: float


def _weighted(items: tuple, weights: tuple) -> _Weighted:
    cum = tuple(itertools.accumulate(float(w) for w in weights))
    return _Weighted(tuple(items), cum, cum[-1])


_N_LINES = _weighted((1, 2, 3, 4), (55, 28, 12, 5))
_QTY = _weighted((1, 2, 3, 4), (70, 20, 7, 3))
_GATEWAYS = _weighted(("shopify_payments", "paypal", "klarna"), (75, 18, 7))
_REFUND_MODES = _weighted(("unit", "line", "all"), (35, 45, 20))
_RESTOCK = _weighted(("return", "no_restock"), (60, 40))
_NEW_ROLES = _weighted(("normal", "authorized", "pending", "pos", "test"), (78, 15, 3, 3, 1))
_CHANNEL_TABLE = _weighted(_CHANNELS, tuple(c[1] for c in _CHANNELS))


def _hex(rng: _Rng) -> str:
    return f"{rng.getrandbits(128):032x}"


@dataclass(frozen=True)
class WorldSpec:
    """What shop to generate. Equal specs give byte-identical worlds."""

    seed: int = 42
    orders: int = 300
    shop_currency: str = "EUR"
    timezone: str = "Europe/Berlin"
    start: date = date(2026, 6, 1)
    end: date = date(2026, 11, 30)
    presentment_currencies: tuple[str, ...] = ("EUR", "USD", "GBP", "CHF")
    products: int = 12
    customers: int | None = None

    def __post_init__(self) -> None:
        if self.orders < 0 or self.products < 1:
            raise ValueError("orders must be >= 0 and products >= 1")
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if not self.presentment_currencies:
            raise ValueError("presentment_currencies must not be empty")
        for code in (self.shop_currency, *self.presentment_currencies):
            if code not in _EUR_RATES:
                raise ValueError(f"unsupported currency {code!r}; known: {sorted(_EUR_RATES)}")
        ZoneInfo(self.timezone)  # raises for an unknown IANA name

    @property
    def customer_pool(self) -> int:
        """Number of registered customers (default: 45 % of orders, so many return)."""
        if self.customers is not None:
            return max(0, self.customers)
        return max(1, round(self.orders * 0.45))


@dataclass
class MutationSummary:
    """What one :meth:`ShopWorld.mutate` call changed (order ids are sorted)."""

    new_order_ids: list[int] = field(default_factory=list)
    refunded_order_ids: list[int] = field(default_factory=list)
    edited_order_ids: list[int] = field(default_factory=list)
    cancelled_order_ids: list[int] = field(default_factory=list)
    updated_customer_ids: list[int] = field(default_factory=list)
    updated_product_ids: list[int] = field(default_factory=list)
    day: date | None = None  # the shop-local day that was added


class _Ids:
    """Increasing id sequences per object type, with random gaps like Shopify's."""

    _STARTS = {"order": 5_912_345_000_000, "line": 14_501_234_000_000, "customer": 7_301_234_000_000,
               "product": 8_801_234_000_000, "variant": 44_801_234_000_000,
               "inventory": 46_901_234_000_000, "refund": 912_345_000_000,
               "refund_line": 512_345_000_000, "transaction": 6_701_234_000_000,
               "shipping": 4_501_234_000_000, "fulfillment": 5_201_234_000_000}

    def __init__(self) -> None:
        self._last = dict(self._STARTS)

    def next(self, kind: str, rng: _Rng) -> int:
        """The next id of ``kind``; always below 2**53 so JSON clients keep it exact."""
        self._last[kind] += rng.randint(1_000, 60_000)
        return self._last[kind]


@dataclass(slots=True)
class _Line:
    """An order line while its money is being worked out."""

    product: dict
    variant: dict
    qty: int
    price: Decimal
    rate: Decimal
    tax_title: str | None
    alloc: Decimal = ZERO
    tax: Decimal = ZERO


@dataclass(slots=True)
class _Shipping:
    title: str
    price: Decimal
    rate: Decimal
    tax_title: str | None
    tax: Decimal = ZERO


class _Ctx:
    """Mutable generation state shared by the build and by later mutations."""

    def __init__(self, spec: WorldSpec) -> None:
        self.spec = spec
        self.tz = ZoneInfo(spec.timezone)
        self.shop = spec.shop_currency
        self.rates = {c: (_EUR_RATES[c] / _EUR_RATES[self.shop]).quantize(Decimal("0.000001"))
                      for c in (self.shop, *spec.presentment_currencies)}
        self.ids = _Ids()
        self.next_number = 1001
        self.now = self.local(spec.end, time(23, 59, 59))
        self.start_utc = self.local(spec.start, time(0, 0, 0))
        self.variants: list[tuple[dict, dict]] = []
        self.variant_weights: list[float] = []
        self.variant_table = _weighted((0,), (1,))
        # The shop currency always takes the biggest share, wherever it is listed.
        self.presentment = (self.shop, *(c for c in spec.presentment_currencies if c != self.shop))
        self.currency_table = _weighted(self.presentment, _currency_weights(self.presentment))
        self.destinations = {c: _weighted(tuple(k for k, _ in _DESTINATIONS[c]), tuple(w for _, w in _DESTINATIONS[c]))
                             for c in self.presentment}
        self.tax_class: dict[int, str] = {}
        self.orders_by_id: dict[int, dict] = {}
        self.updated: dict[int, datetime] = {}
        self.customers_by_id: dict[int, dict] = {}
        self.embedded: dict[int, dict] = {}
        self.customer_orders: dict[int, list[dict]] = {}
        self.customer_updated: dict[int, datetime] = {}
        self.guest_emails: list[str] = []
        self._sets: dict[tuple[str, str], dict] = {}
        self.tax_cache: dict[tuple, list[dict]] = {}
        self.addresses: dict[int, dict] = {}
        self.baskets: dict[tuple, _Basket] = {}
        self.products_by_id: dict[int, dict] = {}

    def local(self, day: date, at: time) -> datetime:
        """The UTC instant of a shop-local wall time (a DST gap time moves forward)."""
        return datetime.combine(day, at, self.tz).astimezone(UTC)

    def iso(self, instant: datetime) -> str:
        """ISO 8601 with the shop's UTC offset for that instant (DST-aware)."""
        return instant.astimezone(self.tz).isoformat()

    def money_set(self, amount: Decimal, pres: str) -> dict:
        """A ``*_set`` object; presentment = shop amount x fixed rate, half-up to cents."""
        shop = str(amount.quantize(CENT, ROUND_HALF_UP))
        key = (shop, pres)  # a string key: hashing a Decimal costs more than formatting it
        hit = self._sets.get(key)
        if hit is None:
            hit = {"shop_money": {"amount": shop, "currency_code": self.shop},
                   "presentment_money": {"amount": _s(Decimal(shop) * self.rates[pres]), "currency_code": pres}}
            self._sets[key] = hit
        return hit


# --------------------------------------------------------------------------- catalog


def _variant(ctx: _Ctx, rng: _Rng, product: dict, pos: int, option: str | None,
             price: Decimal, sku_base: str) -> tuple[dict, dict]:
    """One variant plus its inventory item (which carries the unit cost)."""
    vid, iid = ctx.ids.next("variant", rng), ctx.ids.next("inventory", rng)
    sku = f"{sku_base}-{''.join(ch for ch in (option or 'STD') if ch.isalnum())[:6].upper()}"
    pres = [{"price": {"amount": _s(price * ctx.rates[c]), "currency_code": c}, "compare_at_price": None}
            for c in ctx.presentment]
    qty = rng.randint(0, 400)
    variant = {"id": vid, "admin_graphql_api_id": f"gid://shopify/ProductVariant/{vid}",
               "product_id": product["id"], "title": option or "Default Title", "price": _s(price),
               "sku": sku, "position": pos, "inventory_policy": "deny",
               "compare_at_price": _s(price * Decimal("1.2")) if rng.random() < 0.2 else None,
               "fulfillment_service": "manual", "inventory_management": "shopify",
               "option1": option or "Default Title", "option2": None, "option3": None,
               "created_at": product["created_at"], "updated_at": product["updated_at"],
               "taxable": True, "barcode": f"40{rng.randrange(10**10, 10**11)}",
               "grams": rng.randint(80, 1500), "weight": 0.0, "weight_unit": "kg",
               "inventory_item_id": iid, "inventory_quantity": qty, "old_inventory_quantity": qty,
               "requires_shipping": True, "image_id": None, "presentment_prices": pres}
    variant["weight"] = round(variant["grams"] / 1000, 3)
    cost = _q(price * Decimal(rng.randint(30, 50)) / 100)
    item = {"id": iid, "admin_graphql_api_id": f"gid://shopify/InventoryItem/{iid}", "sku": sku,
            "created_at": product["created_at"], "updated_at": product["updated_at"],
            "requires_shipping": True, "cost": _s(cost), "country_code_of_origin": "DE",
            "province_code_of_origin": None, "harmonized_system_code": None, "tracked": True,
            "country_harmonized_system_codes": []}
    return variant, item


def _product(ctx: _Ctx, rng: _Rng, index: int) -> tuple[dict, list[dict]]:
    """One product (cycling through the catalog templates) and its inventory items."""
    title, ptype, vendor, base, tax_class, options = _CATALOG[index % len(_CATALOG)]
    if index >= len(_CATALOG):
        title = f"{title} {index // len(_CATALOG) + 1}"
    pid = ctx.ids.next("product", rng)
    created = ctx.start_utc - timedelta(days=rng.randint(120, 400), seconds=rng.randrange(86400))
    updated = created + timedelta(days=rng.randint(1, 100), seconds=rng.randrange(86400))
    handle = "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-").replace("--", "-")
    product = {"id": pid, "admin_graphql_api_id": f"gid://shopify/Product/{pid}", "title": title,
               "body_html": f"<p>{title} by {vendor}.</p>", "vendor": vendor, "product_type": ptype,
               "created_at": ctx.iso(created), "handle": handle, "updated_at": ctx.iso(updated),
               "published_at": ctx.iso(created), "template_suffix": None, "published_scope": "web",
               "tags": ptype.lower(), "status": "active", "variants": [], "options": [],
               "images": [], "image": None}
    values = options[1] if options else (None,)
    items = []
    for pos, value in enumerate(values, start=1):
        price = _dec(base) + 2 * (pos - 1)  # larger sizes / special editions cost a bit more
        sku_base = f"{''.join(ch for ch in title.split()[0] if ch.isalnum())[:6].upper()}{index + 1:02d}"
        variant, item = _variant(ctx, rng, product, pos, value, price, sku_base)
        product["variants"].append(variant)
        items.append(item)
    opt_name = options[0] if options else "Title"
    product["options"] = [{"id": pid + 1, "product_id": pid, "name": opt_name, "position": 1,
                           "values": [v["option1"] for v in product["variants"]]}]
    ctx.tax_class[pid] = tax_class
    return product, items


def _build_catalog(ctx: _Ctx, rng: _Rng) -> tuple[list[dict], list[dict]]:
    """Products with a popularity curve: the first catalog items sell most."""
    products, items = [], []
    for index in range(ctx.spec.products):
        product, its = _product(ctx, rng, index)
        products.append(product)
        items.extend(its)
        ctx.products_by_id[product["id"]] = product
        for variant in product["variants"]:
            ctx.variants.append((product, variant))
            ctx.variant_weights.append(1.0 / ((index + 1) ** 0.8) / len(product["variants"]))
    ctx.variant_table = _weighted(tuple(range(len(ctx.variants))), tuple(ctx.variant_weights))
    return products, items


# --------------------------------------------------------------------------- timeline


def _black_friday(year: int) -> date:
    """The day after US Thanksgiving (fourth Thursday of November)."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21 + 1)


def _day_weight(day: date, index: int, total: int) -> float:
    weight = _WEEKDAY_WEIGHTS[day.weekday()] * (1 + 0.3 * index / max(1, total))
    bf = _black_friday(day.year)
    if bf <= day <= bf + timedelta(days=3):  # Black Friday to Cyber Monday
        weight *= 3.0
    return weight


def _order_instants(ctx: _Ctx, rng: _Rng) -> list[datetime]:
    """Order creation instants (UTC, sorted) with a weekly and a daily rhythm."""
    spec = ctx.spec
    days = [spec.start + timedelta(days=i) for i in range((spec.end - spec.start).days + 1)]
    weights = [_day_weight(d, i, len(days)) for i, d in enumerate(days)]
    picks = rng.choices(range(len(days)), weights=weights, k=spec.orders)
    hours = rng.choices(range(24), weights=_HOUR_WEIGHTS, k=spec.orders)
    out = [ctx.local(days[d], time(h, rng.randrange(60), rng.randrange(60))) for d, h in zip(picks, hours, strict=True)]
    out.sort()
    return out


def _assign_roles(n: int, rng: _Rng) -> list[str]:
    """Special cases (test, cancelled, POS …), each at least once when n >= 20."""
    roles = ["normal"] * n
    free = list(range(n))
    rng.shuffle(free)
    for role, share, minimum in _ROLES:
        k = max(minimum if n >= 20 else 0, round(share * n))
        for _ in range(min(k, len(free))):
            roles[free.pop()] = role
    return roles


def _guest(ctx: _Ctx, rng: _Rng) -> tuple[str, str]:
    """A guest buyer; some guests come back, sometimes typing their email differently."""
    if ctx.guest_emails and rng.random() < 0.3:
        email = rng.choice(ctx.guest_emails)
        # Same person, other casing: the customer key must be lower(trim(email)).
        return "guest", email.capitalize() if rng.random() < 0.5 else email
    email = f"guest.{rng.choice(_FIRST).lower()}{len(ctx.guest_emails) + 1}@{rng.choice(_DOMAINS)}"
    ctx.guest_emails.append(email)
    return "guest", email


def _assign_buyers(ctx: _Ctx, rng: _Rng, roles: list[str], active: int) -> list[tuple]:
    """Who places each order: ("customer", pool index), ("guest", email) or ("anonymous", None)."""
    buyers: list[tuple] = []
    seen = 0
    p_new = min(1.0, active / max(1.0, 0.93 * len(roles)))
    for role in roles:
        if role == "test":
            buyers.append(("guest", f"qa.tester{rng.randint(1, 3)}@example.com"))
        elif role == "pos" and rng.random() < 0.5:
            buyers.append(("anonymous", None))  # walk-in: no customer, no email
        elif rng.random() < 0.06 or active == 0:
            buyers.append(_guest(ctx, rng))
        elif seen < active and (seen == 0 or rng.random() < p_new):
            buyers.append(("customer", seen))
            seen += 1
        else:
            buyers.append(("customer", rng.randrange(seen)))
    return buyers


# --------------------------------------------------------------------------- customers

_EMBED_KEYS = ("id", "email", "created_at", "updated_at", "first_name", "last_name", "state", "note",
               "verified_email", "multipass_identifier", "tax_exempt", "phone", "currency", "tags",
               "orders_count", "total_spent", "last_order_id", "last_order_name", "admin_graphql_api_id")


def _address(rng: _Rng, first: str, last: str, country: str) -> dict:
    city = rng.choice(_CITIES.get(country, ("Capital",)))
    return {"first_name": first, "last_name": last, "name": f"{first} {last}",
            "address1": f"{rng.choice(('Haupt', 'Garten', 'Linden', 'Berg'))}straße {rng.randint(1, 120)}",
            "address2": None, "city": city, "zip": f"{rng.randint(10000, 99999)}", "province": None,
            "province_code": None, "country": _COUNTRIES[country][0], "country_code": country,
            "company": None, "phone": None, "latitude": None, "longitude": None}


def _customer_dict(ctx: _Ctx, rng: _Rng, created: datetime, serial: int) -> dict:
    """A registered customer (§3.6) with zero orders; aggregates are filled in later."""
    cid = ctx.ids.next("customer", rng)
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    ascii_last = last.replace("ü", "ue").replace("ö", "oe").lower()
    email = f"{first.lower()}.{ascii_last}{serial}@{rng.choice(_DOMAINS)}"
    address = dict(_address(rng, first, last, "DE"), id=cid + 7, customer_id=cid, default=True)
    subscribed = rng.random() < 0.4
    stamp = ctx.iso(created)
    return {"id": cid, "admin_graphql_api_id": f"gid://shopify/Customer/{cid}", "email": email,
            "created_at": stamp, "updated_at": stamp, "first_name": first, "last_name": last,
            "orders_count": 0, "state": "enabled", "total_spent": "0.00", "last_order_id": None,
            "note": None, "verified_email": True, "multipass_identifier": None, "tax_exempt": False,
            "tags": "", "last_order_name": None, "currency": ctx.shop, "phone": None,
            "addresses": [address], "tax_exemptions": [],
            "email_marketing_consent": {"state": "subscribed" if subscribed else "not_subscribed",
                                        "opt_in_level": "single_opt_in",
                                        "consent_updated_at": stamp if subscribed else None},
            "sms_marketing_consent": None, "default_address": address}


def _register_customer(ctx: _Ctx, customer: dict, created: datetime) -> None:
    cid = customer["id"]
    ctx.customers_by_id[cid] = customer
    ctx.embedded[cid] = {k: customer[k] for k in _EMBED_KEYS}
    ctx.customer_orders[cid] = []
    ctx.customer_updated[cid] = created


def _touch_customer(ctx: _Ctx, cid: int, when: datetime, stamp: str | None = None) -> None:
    """Move a customer's updated_at forward (never back); ``stamp`` is ``iso(when)`` if known."""
    if when > ctx.customer_updated[cid]:
        ctx.customer_updated[cid] = when
        stamp = stamp or ctx.iso(when)
        ctx.customers_by_id[cid]["updated_at"] = stamp
        ctx.embedded[cid]["updated_at"] = stamp


def _order_spent(order: dict) -> Decimal:
    """Money the customer actually paid for an order, net of refunds."""
    if order["cancelled_at"] or order["financial_status"] not in ("paid", "partially_refunded", "refunded"):
        return ZERO
    refunded = sum((_dec(t["amount"]) for r in order["refunds"] for t in r["transactions"]), ZERO)
    return _dec(order["total_price"]) - refunded


def _refresh_customer(ctx: _Ctx, cid: int) -> None:
    """Recompute orders_count / total_spent / last_order_* (non-test orders)."""
    customer = ctx.customers_by_id[cid]
    orders = [o for o in ctx.customer_orders[cid] if not o["test"]]
    customer["orders_count"] = len(orders)
    customer["total_spent"] = _s(sum((_order_spent(o) for o in orders), ZERO))
    last = max(orders, key=lambda o: o["id"]) if orders else None
    customer["last_order_id"] = last["id"] if last else None
    customer["last_order_name"] = last["name"] if last else None
    ctx.embedded[cid].update({k: customer[k] for k in _EMBED_KEYS})


def _build_customers(ctx: _Ctx, rng: _Rng, instants: list[datetime],
                     buyers: list[tuple]) -> tuple[list[dict], dict[int, int]]:
    """Create the customer pool; ids increase with created_at, like Shopify's."""
    pool = ctx.spec.customer_pool
    first_order: dict[int, datetime] = {}
    for when, (kind, ref) in zip(instants, buyers, strict=True):
        if kind == "customer":
            first_order.setdefault(ref, when)
    created = []
    for idx in range(pool):
        if idx in first_order:
            back = rng.randint(1, 120) if rng.random() < 0.6 else rng.randint(86400, 200 * 86400)
            created.append(first_order[idx] - timedelta(seconds=back))
        else:  # signed up (newsletter, account) but never ordered
            span = int((ctx.now - ctx.start_utc).total_seconds()) + 100 * 86400
            created.append(ctx.start_utc - timedelta(days=100) + timedelta(seconds=rng.randrange(span)))
    customers, id_of = [], {}
    for serial, idx in enumerate(sorted(range(pool), key=lambda i: created[i]), start=1):
        customer = _customer_dict(ctx, rng, created[idx], serial)
        _register_customer(ctx, customer, created[idx])
        customers.append(customer)
        id_of[idx] = customer["id"]
    return customers, id_of


# --------------------------------------------------------------------------- order money


def _pick_lines(ctx: _Ctx, rng: _Rng) -> tuple[tuple[int, int], ...]:
    """1-4 distinct variants (as catalog indexes) with quantities, mostly 1."""
    n = rng.pick(_N_LINES)
    return tuple((index, rng.pick(_QTY)) for index in dict.fromkeys(rng.pick(ctx.variant_table) for _ in range(n)))


def _basket_lines(ctx: _Ctx, picks: tuple[tuple[int, int], ...], country: str) -> list[_Line]:
    """The picked lines at today's prices, taxed at the destination's rates."""
    title, std, red = _TAX_RATES[country]
    lines = []
    for index, qty in picks:
        product, variant = ctx.variants[index]
        rate = std if ctx.tax_class[product["id"]] == "std" else red
        lines.append(_Line(product, variant, qty, _dec(variant["price"]), rate, title))
    return lines


def _allocate(total: Decimal, lines: list[_Line]) -> None:
    """Split an order discount across lines pro rata; allocations sum exactly to total."""
    bases = [ln.price * ln.qty for ln in lines]
    base_sum = sum(bases, ZERO)
    shares = [total * b / base_sum for b in bases]
    floors = [s.quantize(CENT, ROUND_DOWN) for s in shares]
    leftover = int((total - sum(floors, ZERO)) / CENT)
    # Largest remainder gets the leftover cents, so no line exceeds its own value.
    order = sorted(range(len(lines)), key=lambda i: (floors[i] - shares[i], i))
    for i in order[:leftover]:
        floors[i] += CENT
    for line, alloc in zip(lines, floors, strict=True):
        line.alloc = alloc


def _apply_discount(code: tuple[str, str, str] | None, lines: list[_Line]) -> tuple[str, str, str, Decimal] | None:
    """Apply a discount code if the basket qualifies; returns (code, type, value, amount)."""
    if code is None:
        return None
    code, kind, value = code
    gross = sum((ln.price * ln.qty for ln in lines), ZERO)
    if kind == "percentage":
        amount = _q(gross * _dec(value) / 100)
    elif gross >= 2 * _dec(value):
        amount = _dec(value)
    else:
        return None
    _allocate(amount, lines)
    return code, kind, value, amount


def _apply_taxes(lines: list[_Line], shipping: _Shipping | None) -> None:
    """Tax per line = rate x (line value - allocated discount), rounded to cents."""
    for line in lines:
        line.tax = _q(line.rate * (line.price * line.qty - line.alloc))
    if shipping is not None:
        shipping.tax = _q(shipping.rate * shipping.price)


def _plan_shipping(express: bool, lines: list[_Line], role: str, country: str) -> _Shipping | None:
    """POS sales have no shipping; big baskets (and cancel-refund orders) ship free."""
    if role == "pos":
        return None
    title, rate, _ = _TAX_RATES[country]
    net = sum((ln.price * ln.qty - ln.alloc for ln in lines), ZERO)
    if role == "cancel_refund" or net >= 75:
        return _Shipping("Free Shipping", ZERO, rate, title)
    if express:
        return _Shipping("Express", Decimal("9.90"), rate, title)
    return _Shipping("Standard", Decimal("4.90"), rate, title)


def _tax_line(ctx: _Ctx, title: str | None, rate: Decimal, amount: Decimal, pres: str) -> list[dict]:
    """The tax_lines of one line or shipping line (shared: amounts repeat a lot)."""
    if title is None or rate == 0:
        return []
    key = (title, rate, amount, pres)
    hit = ctx.tax_cache.get(key)
    if hit is None:
        hit = [{"channel_liable": False, "price": _s(amount), "price_set": ctx.money_set(amount, pres),
                "rate": float(rate), "title": title}]
        ctx.tax_cache[key] = hit
    return hit


def _line_template(ctx: _Ctx, line: _Line, pres: str) -> dict:
    """A line item without its id; discounts live in discount_allocations (total_discount stays 0.00)."""
    product, variant, m = line.product, line.variant, ctx.money_set
    allocs = [] if line.alloc == 0 else [
        {"amount": _s(line.alloc), "amount_set": m(line.alloc, pres), "discount_application_index": 0}]
    default = variant["title"] == "Default Title"
    return {"id": None, "admin_graphql_api_id": None, "attributed_staffs": [],
            "current_quantity": line.qty, "fulfillable_quantity": line.qty, "fulfillment_service": "manual",
            "fulfillment_status": None, "gift_card": False, "grams": variant["grams"],
            "name": product["title"] if default else f"{product['title']} - {variant['title']}",
            "price": _s(line.price), "price_set": m(line.price, pres), "product_exists": True,
            "product_id": product["id"], "properties": [], "quantity": line.qty, "requires_shipping": True,
            "sku": variant["sku"], "taxable": True, "title": product["title"], "total_discount": "0.00",
            "total_discount_set": m(ZERO, pres), "variant_id": variant["id"],
            "variant_inventory_management": "shopify", "variant_title": None if default else variant["title"],
            "vendor": product["vendor"], "tax_lines": _tax_line(ctx, line.tax_title, line.rate, line.tax, pres),
            "duties": [], "discount_allocations": allocs}


def _shipping_template(ctx: _Ctx, ship: _Shipping, pres: str) -> dict:
    """A shipping line without its id (no shipping discounts in this shop)."""
    m = ctx.money_set
    return {"id": None, "carrier_identifier": None, "code": ship.title, "discounted_price": _s(ship.price),
            "discounted_price_set": m(ship.price, pres), "is_removed": False, "phone": None,
            "price": _s(ship.price), "price_set": m(ship.price, pres), "requested_fulfillment_service_id": None,
            "source": "shopify", "title": ship.title,
            "tax_lines": _tax_line(ctx, ship.tax_title, ship.rate, ship.tax, pres), "discount_allocations": []}


def _order_tax_lines(ctx: _Ctx, lines: list[_Line], ship: _Shipping | None, pres: str) -> list[dict]:
    """Order-level tax_lines: line and shipping taxes summed per (title, rate)."""
    sums: dict[tuple[str, Decimal], Decimal] = {}
    for obj in (*lines, *([ship] if ship else [])):
        if obj.tax_title is not None and obj.rate != 0:
            key = (obj.tax_title, obj.rate)
            sums[key] = sums.get(key, ZERO) + obj.tax
    return [{"price": _s(v), "rate": float(rate), "title": title, "price_set": ctx.money_set(v, pres),
             "channel_liable": False} for (title, rate), v in sums.items()]


@dataclass(slots=True)
class _Basket:
    """Everything about an order that follows from what was bought, where, and with which code."""

    money: dict  # order money fields and tax_lines
    lines: list[dict]  # line item templates without ids
    shipping: dict | None  # shipping line template without id
    discount: dict  # discount_codes and discount_applications


def _basket(ctx: _Ctx, rng: _Rng, role: str, pres: str, country: str) -> _Basket:
    """Draw a basket and price it; priced baskets are cached (their values are shared, never mutated).

    Big worlds repeat the same baskets thousands of times, and pricing is most
    of the cost of an order. All random draws happen before the cache lookup,
    so hits and misses consume the same random numbers.
    """
    picks = _pick_lines(ctx, rng)
    code = rng.choice(_CODES) if rng.random() < 0.22 else None
    express = rng.random() < 0.15
    prices = tuple(ctx.variants[index][1]["price"] for index, _ in picks)
    key = (pres, country, role in ("pos", "cancel_refund") and role, code, express, picks, prices)
    hit = ctx.baskets.get(key)
    if hit is None:
        hit = ctx.baskets[key] = _price_basket(ctx, picks, role, pres, country, code, express)
    return hit


def _price_basket(ctx: _Ctx, picks: tuple[tuple[int, int], ...], role: str, pres: str, country: str,
                  code: tuple[str, str, str] | None, express: bool) -> _Basket:
    lines = _basket_lines(ctx, picks, country)
    discount = _apply_discount(code, lines)
    ship = _plan_shipping(express, lines, role, country)
    _apply_taxes(lines, ship)
    money = _money_fields(ctx, lines, ship, pres)
    money["tax_lines"] = _order_tax_lines(ctx, lines, ship, pres)
    return _Basket(money, [_line_template(ctx, ln, pres) for ln in lines],
                   _shipping_template(ctx, ship, pres) if ship else None, _discount_fields(ctx, discount, pres))


def _instance(template: dict, object_id: int, gid_type: str | None) -> dict:
    """A copy of a cached template with its own id (nested values stay shared)."""
    item = template.copy()
    item["id"] = object_id
    if gid_type:
        item["admin_graphql_api_id"] = f"gid://shopify/{gid_type}/{object_id}"
    return item


def _money_fields(ctx: _Ctx, lines: list[_Line], ship: _Shipping | None, pres: str) -> dict:
    """Order totals: subtotal = items - discounts; total = subtotal + shipping + tax."""
    m = ctx.money_set
    items = disc = ZERO
    tax = ship.tax if ship else ZERO
    for ln in lines:
        items += ln.price * ln.qty
        disc += ln.alloc
        tax += ln.tax
    shipping = ship.price if ship else ZERO
    subtotal = items - disc
    total = subtotal + shipping + tax
    out = {"currency": ctx.shop, "presentment_currency": pres, "taxes_included": False,
           "estimated_taxes": False, "total_line_items_price": _s(items),
           "total_line_items_price_set": m(items, pres), "total_discounts": _s(disc),
           "total_discounts_set": m(disc, pres), "subtotal_price": _s(subtotal),
           "subtotal_price_set": m(subtotal, pres), "total_tax": _s(tax), "total_tax_set": m(tax, pres),
           "total_price": _s(total), "total_price_set": m(total, pres),
           "total_shipping_price_set": m(shipping, pres), "total_outstanding": "0.00",
           "total_tip_received": "0.00", "total_weight": sum(ln.variant["grams"] * ln.qty for ln in lines)}
    for name in ("subtotal_price", "total_discounts", "total_price", "total_tax"):
        out[f"current_{name}"] = out[name]
        out[f"current_{name}_set"] = out[f"{name}_set"]
    out["current_total_duties_set"] = None
    out["original_total_duties_set"] = None
    return out


# --------------------------------------------------------------------------- order attribution


def _landing_path(rng: _Rng, product: dict) -> str:
    return rng.choice(("/", f"/products/{product['handle']}", f"/products/{product['handle']}",
                       "/collections/all", f"/collections/{product['product_type'].lower()}"))


def _utm_visit(rng: _Rng, channel: tuple, product: dict) -> tuple[str, str | None, list[dict]]:
    """landing_site, referring_site and note_attributes for one marketing channel."""
    name, _, source, medium, campaigns, referrer, click = channel
    params: list[tuple[str, str]] = []
    gclid_only = click == "gclid" and rng.random() < 0.3  # auto-tagging without UTMs
    if source and not gclid_only:
        params += [("utm_source", source), ("utm_medium", medium), ("utm_campaign", rng.choice(campaigns))]
        if rng.random() < 0.4:
            params.append(("utm_content", f"ad_{rng.randint(1, 12)}"))
    if click and rng.random() < 0.85:
        prefix = {"gclid": "Cj0KCQ", "fbclid": "IwAR"}.get(click, "")
        params.append((click, prefix + _token(rng, 22)))
    path = _landing_path(rng, product)
    landing = path + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")
    notes = []
    if params and rng.random() < 0.25:  # cart attributes copied by a tracking app
        notes = [{"name": k, "value": v} for k, v in params if k != "utm_content"]
    if name == "direct" and rng.random() < 0.3:
        referrer = ""
    return landing, referrer, notes


def _attribution(rng: _Rng, role: str, product: dict) -> dict:
    """Where the order came from (REST has no customer journey, only these fields)."""
    if role == "pos":
        return {"source_name": "pos", "landing_site": None, "landing_site_ref": None,
                "referring_site": None, "note_attributes": [], "source_identifier": f"pos-{rng.randint(1, 9)}",
                "source_url": None, "location_id": _LOCATION_ID, "browser_ip": None, "client_details": None}
    channel = rng.pick(_CHANNEL_TABLE)
    landing, referrer, notes = _utm_visit(rng, channel, product)
    ip = f"203.0.113.{rng.randint(1, 254)}"
    source = "580111" if role == "import" else "web"  # imports arrive through an app id
    return {"source_name": source, "landing_site": landing, "landing_site_ref": None,
            "referring_site": referrer, "note_attributes": notes, "source_identifier": None,
            "source_url": None, "location_id": None, "browser_ip": ip, "client_details": _client(ip)}


_CLIENTS: dict[str, dict] = {}


def _client(ip: str) -> dict:
    """client_details for a browser IP (shared per IP; the values never change)."""
    hit = _CLIENTS.get(ip)
    if hit is None:
        hit = _CLIENTS[ip] = {"accept_language": "de-DE,de;q=0.9,en;q=0.8", "browser_height": None,
                              "browser_ip": ip, "browser_width": None, "session_hash": None,
                              "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/131.0"}
    return hit


# --------------------------------------------------------------------------- order assembly


def _payment(rng: _Rng, role: str) -> tuple[str, list[str]]:
    """(financial_status, payment_gateway_names) for a freshly placed order."""
    if role == "test":
        return "paid", ["bogus"]
    if role == "pending":
        return "pending", ["Bank Deposit"]
    if role == "pos":
        return "paid", [rng.choice(("cash", "shopify_payments"))]
    if role in ("authorized", "cancel_void", "voided"):
        return "authorized", ["shopify_payments"]
    return "paid", [rng.pick(_GATEWAYS)]


def _identity(ctx: _Ctx, rng: _Rng, when: datetime, processed: datetime) -> dict:
    oid = ctx.ids.next("order", rng)
    number = ctx.next_number
    ctx.next_number += 1
    created = ctx.iso(when)
    return {"id": oid, "admin_graphql_api_id": f"gid://shopify/Order/{oid}", "app_id": 580111,
            "name": f"#{number}", "number": number - 1000, "order_number": number,
            "token": _hex(rng), "cart_token": _hex(rng), "checkout_token": _hex(rng),
            "checkout_id": oid + 17, "confirmation_number": _token(rng, 9).upper(), "confirmed": True,
            "created_at": created, "processed_at": ctx.iso(processed) if processed != when else created,
            "updated_at": created, "closed_at": None, "cancelled_at": None, "cancel_reason": None,
            "test": False, "note": None, "tags": "", "buyer_accepts_marketing": rng.random() < 0.4,
            "customer_locale": rng.choice(("de", "de", "en")), "device_id": None, "reference": None,
            "user_id": None, "payment_terms": None, "fulfillments": [], "refunds": []}


def _attach_buyer(ctx: _Ctx, order: dict, buyer: tuple, rng: _Rng, country: str) -> None:
    kind, ref = buyer
    customer = ctx.embedded.get(ref) if kind == "customer" else None
    email = customer["email"] if customer else ref
    first, last = (customer["first_name"], customer["last_name"]) if customer else (
        rng.choice(_FIRST), rng.choice(_LAST))
    order.update({"customer": customer, "email": email, "contact_email": email, "phone": None})
    if kind == "anonymous":
        address = None
    elif customer and country == "DE":  # registered German buyers ship to their default address
        address = ctx.addresses.get(ref)
        if address is None:
            address = ctx.addresses[ref] = _address(rng, first, last, country)
    else:
        address = _address(rng, first, last, country)
    order["billing_address"] = address
    order["shipping_address"] = address if order["source_name"] != "pos" else None
    if customer:
        ctx.customer_orders[ref].append(order)


def _new_order(ctx: _Ctx, rng: _Rng, when: datetime, buyer: tuple, role: str) -> dict:
    """Build one order placed at ``when`` (UTC) and register it in the context."""
    pres = rng.pick(ctx.currency_table)
    country = rng.pick(ctx.destinations[pres])
    basket = _basket(ctx, rng, role, pres, country)
    processed = when
    if role == "import":  # back-dated import: shown (and reported) on an earlier day
        processed = max(ctx.start_utc, when - timedelta(days=rng.randint(1, 5), seconds=rng.randrange(3600)))
    order = _identity(ctx, rng, when, processed)
    order.update(basket.money)
    order.update(_attribution(rng, role, ctx.products_by_id[basket.lines[0]["product_id"]]))
    status, gateways = _payment(rng, role)
    order.update({"financial_status": status, "fulfillment_status": None, "payment_gateway_names": gateways})
    if status == "pending":
        order["total_outstanding"] = order["total_price"]
    order["test"] = role == "test"
    order["line_items"] = [_instance(t, ctx.ids.next("line", rng), "LineItem") for t in basket.lines]
    order["shipping_lines"] = [_instance(basket.shipping, ctx.ids.next("shipping", rng), None)
                               ] if basket.shipping else []
    order.update(basket.discount)
    _attach_buyer(ctx, order, buyer, rng, country)
    ctx.orders_by_id[order["id"]] = order
    ctx.updated[order["id"]] = when
    return order


def _currency_weights(currencies: tuple[str, ...]) -> list[float]:
    """The first presentment currency takes 60 %, the others share the rest."""
    n = len(currencies)
    if n == 1:
        return [1.0]
    tail = [1.0 / i for i in range(1, n)]
    return [60.0] + [40.0 * t / sum(tail) for t in tail]


def _discount_fields(ctx: _Ctx, discount: tuple | None, pres: str) -> dict:
    if discount is None:
        return {"discount_codes": [], "discount_applications": []}
    code, kind, value, amount = discount
    return {"discount_codes": [{"code": code, "amount": _s(amount), "type": kind}],
            "discount_applications": [{"target_type": "line_item", "type": "discount_code", "value": value,
                                       "value_type": kind, "allocation_method": "across",
                                       "target_selection": "all", "code": code}]}


# --------------------------------------------------------------------------- order events


def _touch(ctx: _Ctx, order: dict, when: datetime, stamp: str | None = None) -> None:
    """Move an order's updated_at forward to ``when`` (it must cover every event)."""
    if when > ctx.updated[order["id"]]:
        ctx.updated[order["id"]] = when
        order["updated_at"] = stamp or ctx.iso(when)


def _later(rng: _Rng, start: datetime, limit: datetime, lo: int, hi: int) -> datetime:
    """A random instant lo..hi seconds after start, pulled back to stay <= limit."""
    when = start + timedelta(seconds=rng.randint(lo, hi))
    if when <= limit:
        return when
    room = int((limit - start).total_seconds())
    return start + timedelta(seconds=rng.randint(room // 5, room)) if room > 0 else start


def _fulfil(ctx: _Ctx, rng: _Rng, order: dict, when: datetime, partial: bool) -> None:
    """Ship the order (or only its first line); fully shipped paid orders get archived."""
    lines = order["line_items"][:1] if partial else order["line_items"]
    fid = ctx.ids.next("fulfillment", rng)
    stamp = ctx.iso(when)
    for line in lines:
        line["fulfillment_status"] = "fulfilled"
        line["fulfillable_quantity"] = 0
    order["fulfillments"].append({
        "id": fid, "admin_graphql_api_id": f"gid://shopify/Fulfillment/{fid}", "created_at": stamp,
        "location_id": _LOCATION_ID, "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
        "order_id": order["id"], "service": "manual", "shipment_status": None, "status": "success",
        "tracking_company": "DHL Express", "tracking_number": f"00340{rng.randrange(10**12, 10**13)}",
        "tracking_url": None, "updated_at": stamp, "line_items": []})
    order["fulfillment_status"] = "partial" if partial else "fulfilled"
    if not partial and order["financial_status"] == "paid":
        order["closed_at"] = stamp
    _touch(ctx, order, when, stamp)


def _edit(ctx: _Ctx, rng: _Rng, order: dict, when: datetime) -> None:
    """A merchant edit: add a tag or change the note (always a visible change)."""
    tags = [t for t in order["tags"].split(", ") if t]
    missing = [t for t in _TAGS if t not in tags]
    if missing and rng.random() < 0.6:
        order["tags"] = ", ".join(sorted([*tags, rng.choice(missing)]))
    else:
        note = rng.choice(_NOTES)
        order["note"] = note if note != order["note"] else f"{note} (updated {when.date()})"
    _touch(ctx, order, when)


def _zero_current(ctx: _Ctx, order: dict) -> None:
    """A cancelled order keeps its original totals but its current_* values drop to 0."""
    zero = ctx.money_set(ZERO, order["presentment_currency"])
    for name in ("subtotal_price", "total_discounts", "total_price", "total_tax"):
        order[f"current_{name}"] = "0.00"
        order[f"current_{name}_set"] = zero
    for line in order["line_items"]:
        line["current_quantity"] = 0
        line["fulfillable_quantity"] = 0


def _cancel(ctx: _Ctx, rng: _Rng, order: dict, when: datetime, refund: bool) -> None:
    """Cancel: void the authorisation, or refund everything (only free-shipping orders)."""
    if refund:
        picks = [(ln, ln["current_quantity"]) for ln in order["line_items"] if ln["current_quantity"] > 0]
        _refund(ctx, rng, order, when, picks, "cancel", None)
    else:
        order["financial_status"] = "voided"
    stamp = ctx.iso(when)
    order.update({"cancelled_at": stamp, "cancel_reason": rng.choice(_CANCEL_REASONS), "closed_at": stamp,
                  "total_outstanding": "0.00"})
    _zero_current(ctx, order)
    _touch(ctx, order, when, stamp)
    if order["customer"]:
        _touch_customer(ctx, order["customer"]["id"], when, stamp)


# --------------------------------------------------------------------------- refunds


def _line_value(line: dict) -> tuple[Decimal, Decimal]:
    """(price x qty - allocated discounts, line tax) of one order line, shop money."""
    alloc = sum((_dec(a["amount"]) for a in line["discount_allocations"]), ZERO)
    tax = sum((_dec(t["price"]) for t in line["tax_lines"]), ZERO)
    return _dec(line["price"]) * line["quantity"] - alloc, tax


def _refunded_so_far(order: dict) -> dict[int, tuple[int, Decimal, Decimal]]:
    done: dict[int, tuple[int, Decimal, Decimal]] = {}
    for refund in order["refunds"]:
        for rli in refund["refund_line_items"]:
            qty, sub, tax = done.get(rli["line_item_id"], (0, ZERO, ZERO))
            done[rli["line_item_id"]] = (qty + rli["quantity"],
                                         sub + _dec(rli["subtotal_set"]["shop_money"]["amount"]),
                                         tax + _dec(rli["total_tax_set"]["shop_money"]["amount"]))
    return done


def _refund_amounts(line: dict, qty: int, prior: tuple[int, Decimal, Decimal]) -> tuple[Decimal, Decimal]:
    """Refund subtotal = qty x (price - per-unit allocated discount), tax pro rata.

    The refund that returns the last units takes the remainder, so a fully
    refunded line gives back exactly its net value and its tax.
    """
    net, tax = _line_value(line)
    prior_qty, prior_sub, prior_tax = prior
    if prior_qty + qty == line["quantity"]:
        return net - prior_sub, tax - prior_tax
    return _q(net * qty / line["quantity"]), _q(tax * qty / line["quantity"])


def _refund_line(ctx: _Ctx, rng: _Rng, line: dict, qty: int, amounts: tuple[Decimal, Decimal],
                 restock_type: str, pres: str) -> dict:
    sub, tax = amounts
    return {"id": ctx.ids.next("refund_line", rng), "line_item_id": line["id"],
            "location_id": _LOCATION_ID if restock_type != "no_restock" else None, "quantity": qty,
            "restock_type": restock_type, "subtotal": float(sub), "subtotal_set": ctx.money_set(sub, pres),
            "total_tax": float(tax), "total_tax_set": ctx.money_set(tax, pres), "line_item": line}


def _refund_transaction(ctx: _Ctx, rng: _Rng, order: dict, amount: Decimal, stamp: str) -> dict:
    tid = ctx.ids.next("transaction", rng)
    gateways = order["payment_gateway_names"]
    return {"id": tid, "admin_graphql_api_id": f"gid://shopify/OrderTransaction/{tid}", "amount": _s(amount),
            "authorization": None, "created_at": stamp, "currency": ctx.shop, "device_id": None,
            "error_code": None, "gateway": gateways[0] if gateways else "manual", "kind": "refund",
            "location_id": None, "message": "Refunded", "order_id": order["id"], "parent_id": None,
            "processed_at": stamp, "receipt": {}, "source_name": "web", "status": "success",
            "test": order["test"], "user_id": None}


def _recompute_current(ctx: _Ctx, order: dict) -> None:
    """current_* = original totals minus what the refunds took back."""
    sub_r = tax_r = disc_r = ZERO
    by_id = {ln["id"]: ln for ln in order["line_items"]}
    for refund in order["refunds"]:
        for rli in refund["refund_line_items"]:
            sub = _dec(rli["subtotal_set"]["shop_money"]["amount"])
            sub_r += sub
            tax_r += _dec(rli["total_tax_set"]["shop_money"]["amount"])
            disc_r += _dec(by_id[rli["line_item_id"]]["price"]) * rli["quantity"] - sub
    pres, m = order["presentment_currency"], ctx.money_set
    subtotal = _dec(order["subtotal_price"]) - sub_r
    tax = _dec(order["total_tax"]) - tax_r
    shipping = _dec(order["total_shipping_price_set"]["shop_money"]["amount"])
    values = {"subtotal_price": subtotal, "total_tax": tax, "total_price": subtotal + shipping + tax,
              "total_discounts": _dec(order["total_discounts"]) - disc_r}
    for name, value in values.items():
        order[f"current_{name}"] = _s(value)
        order[f"current_{name}_set"] = m(value, pres)


def _refund(ctx: _Ctx, rng: _Rng, order: dict, when: datetime, picks: list[tuple[dict, int]],
            restock_type: str, note: str | None) -> dict:
    """Refund goods (never shipping); updates current_*, status, updated_at, customer."""
    pres, prior = order["presentment_currency"], _refunded_so_far(order)
    items, total = [], ZERO
    for line, qty in picks:
        amounts = _refund_amounts(line, qty, prior.get(line["id"], (0, ZERO, ZERO)))
        items.append(_refund_line(ctx, rng, line, qty, amounts, restock_type, pres))
        line["current_quantity"] -= qty
        line["fulfillable_quantity"] = max(0, line["fulfillable_quantity"] - qty)
        total += amounts[0] + amounts[1]
    rid, stamp = ctx.ids.next("refund", rng), ctx.iso(when)
    refund = {"id": rid, "admin_graphql_api_id": f"gid://shopify/Refund/{rid}", "created_at": stamp,
              "note": note, "order_id": order["id"], "processed_at": stamp,
              "restock": restock_type != "no_restock", "total_duties_set": ctx.money_set(ZERO, pres),
              "user_id": None, "order_adjustments": [],
              "transactions": [_refund_transaction(ctx, rng, order, total, stamp)],
              "refund_line_items": items, "duties": [], "additional_fees": []}
    order["refunds"].append(refund)
    _recompute_current(ctx, order)
    refunded = sum((_dec(t["amount"]) for r in order["refunds"] for t in r["transactions"]), ZERO)
    order["financial_status"] = "refunded" if refunded == _dec(order["total_price"]) else "partially_refunded"
    _touch(ctx, order, when, stamp)
    if order["customer"]:
        _touch_customer(ctx, order["customer"]["id"], when, stamp)
    return refund


def _refundable(order: dict) -> bool:
    return (not order["test"] and order["cancelled_at"] is None
            and order["financial_status"] in ("paid", "partially_refunded")
            and any(ln["current_quantity"] > 0 for ln in order["line_items"]))


def _refund_picks(rng: _Rng, order: dict) -> list[tuple[dict, int]]:
    """One unit, one whole line, or everything that is left."""
    open_lines = [ln for ln in order["line_items"] if ln["current_quantity"] > 0]
    mode = rng.pick(_REFUND_MODES)
    if mode == "all":
        return [(ln, ln["current_quantity"]) for ln in open_lines]
    line = rng.choice(open_lines)
    return [(line, 1 if mode == "unit" else line["current_quantity"])]


def _random_refund(ctx: _Ctx, rng: _Rng, order: dict, when: datetime) -> None:
    restock = rng.pick(_RESTOCK)
    _refund(ctx, rng, order, when, _refund_picks(rng, order), restock, rng.choice(_REFUND_NOTES))


def _created(order: dict) -> datetime:
    return datetime.fromisoformat(order["created_at"])


def _initial_refunds(ctx: _Ctx, rng: _Rng, orders: list[dict]) -> None:
    """~9 % of paid orders get refunds, a quarter of them more than 30 days later."""
    cands = [o for o in orders if _refundable(o)]
    if not cands:
        return
    late_cut = ctx.now - timedelta(days=32)
    old = [o for o in cands if _created(o) < late_cut]
    chosen = rng.sample(cands, min(len(cands), max(2, round(0.09 * len(orders)))))
    if old:  # guarantee at least one refund of an order older than 30 days
        chosen.insert(0, rng.choice(old))
    seen: set[int] = set()
    for i, order in enumerate(chosen):
        if order["id"] not in seen:
            seen.add(order["id"])
            _initial_refund(ctx, rng, order, late=i == 0 and bool(old))


def _initial_refund(ctx: _Ctx, rng: _Rng, order: dict, late: bool) -> None:
    created = _created(order)
    room = int((ctx.now - created).total_seconds())
    if late:  # the caller picked an order old enough for a refund > 30 days later
        delay = rng.randint(31 * 86400, min(60 * 86400, room))
    elif rng.random() < 0.25:
        delay = rng.randint(31 * 86400, 60 * 86400)
    else:
        delay = rng.randint(3600, 30 * 86400)
    when = _later(rng, created, ctx.now, delay, delay)
    if when <= created:
        return
    _random_refund(ctx, rng, order, when)
    if _refundable(order) and rng.random() < 0.15:  # a second, later refund
        second = _later(rng, when, ctx.now, 86400, 20 * 86400)
        if second > when:
            _random_refund(ctx, rng, order, second)


def _initial_events(ctx: _Ctx, rng: _Rng, order: dict, when: datetime, role: str) -> None:
    """What happened to an order between its creation and the world's now."""
    if role in ("cancel_void", "cancel_refund"):
        _cancel(ctx, rng, order, _later(rng, when, ctx.now, 600, 30 * 3600), refund=role == "cancel_refund")
        return
    if role == "voided":  # authorisation voided without a cancellation
        order["financial_status"] = "voided"
        _touch(ctx, order, _later(rng, when, ctx.now, 3600, 7 * 86400))
        return
    if role in ("pending", "authorized"):
        return
    if role == "pos":
        _fulfil(ctx, rng, order, when, partial=False)
    else:
        shipped = when + timedelta(seconds=rng.randint(4 * 3600, 72 * 3600))
        if shipped <= ctx.now:
            partial = len(order["line_items"]) > 1 and rng.random() < 0.03
            _fulfil(ctx, rng, order, shipped, partial)
    if rng.random() < 0.04:
        _edit(ctx, rng, order, _later(rng, when, ctx.now, 3600, 20 * 86400))


# --------------------------------------------------------------------------- the world


class ShopWorld:
    """A generated shop: API-shaped ``orders``/``products``/``customers`` and a clock.

    ``revision`` increases with every mutation (the emulator caches sort
    orders per revision; bump it after editing the lists by hand). ``lock``
    is held by :meth:`mutate` and by the emulator while it reads.
    """

    def __init__(self, spec: WorldSpec, ctx: _Ctx, orders: list[dict], products: list[dict],
                 customers: list[dict], inventory_items: list[dict]) -> None:
        self.spec = spec
        self.orders = orders
        self.products = products
        self.customers = customers
        self.inventory_items = inventory_items
        self.now: datetime = ctx.now.astimezone(ctx.tz)
        self.revision = 0
        self.lock = threading.RLock()
        self._ctx = ctx
        self._mutations = 0

    @property
    def tz(self) -> ZoneInfo:
        """The shop's time zone."""
        return self._ctx.tz

    @property
    def fx_rates(self) -> dict[str, Decimal]:
        """Fixed presentment rates: presentment amount = shop amount x rate, half-up to cents."""
        return dict(self._ctx.rates)

    def order(self, order_id: int) -> dict | None:
        """The order with this id, or None."""
        return self._ctx.orders_by_id.get(order_id)

    def snapshot(self) -> dict[str, list[dict]]:
        """An independent deep copy (via JSON, i.e. exactly what the API would serve)."""
        with self.lock:
            data = {"orders": self.orders, "products": self.products, "customers": self.customers,
                    "inventory_items": self.inventory_items}
            return json.loads(json.dumps(data))

    def mutate(self, step: int = 1) -> MutationSummary:
        """Advance ``now`` by one day: new orders, late refunds, edits, cancellations.

        Deterministic from (seed, step, number of earlier mutations): two
        worlds built from the same spec and mutated with the same steps stay
        identical. Every touched object gets an updated_at inside the new day,
        strictly after the previous ``now``.
        """
        with self.lock:
            rng = _Rng(f"shopify-world:{self.spec.seed}:mutate:{step}:{self._mutations}")
            self._mutations += 1
            summary = _mutate_day(self, self._ctx, rng)
            self.revision += 1
            return summary


# --------------------------------------------------------------------------- mutation


def _day_window(ctx: _Ctx, day: date) -> tuple[datetime, datetime]:
    """UTC bounds of a shop-local day (23 or 25 hours long on DST changes)."""
    return ctx.local(day, time(0, 0, 0)), ctx.local(day + DAY, time(0, 0, 0)) - timedelta(seconds=1)


def _instant_in(rng: _Rng, lo: datetime, hi: datetime) -> datetime:
    """A random whole second strictly inside (lo, hi)."""
    span = int((hi - lo).total_seconds())
    return min(hi, lo + timedelta(seconds=rng.randint(1, max(1, span - 1))))


def _mutate_day(world: ShopWorld, ctx: _Ctx, rng: _Rng) -> MutationSummary:
    day = world.now.date() + DAY
    lo, hi = _day_window(ctx, day)
    summary = MutationSummary(day=day)
    days = (world.spec.end - world.spec.start).days + 1
    per_day = max(1.0, world.spec.orders / days)
    summary.new_order_ids = _mutate_new_orders(world, ctx, rng, lo, hi, per_day)
    summary.refunded_order_ids = _mutate_refunds(world, ctx, rng, lo, hi, per_day)
    summary.cancelled_order_ids = _mutate_cancellations(world, ctx, rng, lo, hi, per_day)
    summary.edited_order_ids = _mutate_edits(world, ctx, rng, lo, hi, per_day)
    summary.updated_product_ids = _mutate_products(world, ctx, rng, lo, hi)
    summary.updated_customer_ids = _mutate_customers(world, ctx, rng, lo, hi)
    ctx.now = hi
    world.now = hi.astimezone(ctx.tz)
    return summary


def _new_buyer(world: ShopWorld, ctx: _Ctx, rng: _Rng, when: datetime, active: list[dict]) -> tuple:
    """A returning customer, a brand-new customer (registered now) or a guest."""
    r = rng.random()
    if r < 0.1:
        return _guest(ctx, rng)
    if r < 0.55 and active:
        return "customer", rng.choice(active)["id"]
    customer = _customer_dict(ctx, rng, when, len(world.customers) + 1)
    _register_customer(ctx, customer, when)
    world.customers.append(customer)
    active.append(customer)
    return "customer", customer["id"]


def _mutate_new_orders(world: ShopWorld, ctx: _Ctx, rng: _Rng, lo: datetime, hi: datetime,
                       per_day: float) -> list[int]:
    count = max(1, round(per_day * rng.uniform(0.7, 1.3) * _WEEKDAY_WEIGHTS[lo.astimezone(ctx.tz).weekday()]))
    ids = []
    active = [c for c in world.customers if c["orders_count"] > 0]
    for when in sorted(_instant_in(rng, lo, hi) for _ in range(count)):
        role = rng.pick(_NEW_ROLES)
        buyer = _new_buyer(world, ctx, rng, when, active)
        order = _new_order(ctx, rng, when, buyer, role)
        world.orders.append(order)
        if role == "pos":
            _fulfil(ctx, rng, order, when, partial=False)
        if order["customer"]:
            _touch_customer(ctx, order["customer"]["id"], when)
            _refresh_customer(ctx, order["customer"]["id"])
        ids.append(order["id"])
    return ids


def _mutate_refunds(world: ShopWorld, ctx: _Ctx, rng: _Rng, lo: datetime, hi: datetime,
                    per_day: float) -> list[int]:
    """Refund some earlier orders, always including one older than 30 days if any exists."""
    cands = [o for o in world.orders if _refundable(o) and _created(o) < lo]
    if not cands:
        return []
    chosen = rng.sample(cands, min(len(cands), max(1, round(per_day * 0.08))))
    old = [o for o in cands if _created(o) < lo - timedelta(days=31)]
    if old:
        chosen.insert(0, rng.choice(old))
    done = []
    for order in chosen:
        if order["id"] in done or not _refundable(order):
            continue
        _random_refund(ctx, rng, order, _instant_in(rng, lo, hi))
        if order["customer"]:
            _refresh_customer(ctx, order["customer"]["id"])
        done.append(order["id"])
    return sorted(done)


def _mutate_cancellations(world: ShopWorld, ctx: _Ctx, rng: _Rng, lo: datetime, hi: datetime,
                          per_day: float) -> list[int]:
    """Cancel unpaid orders (void) or unshipped free-shipping paid ones (full refund)."""
    def eligible(o: dict) -> bool:
        if o["test"] or o["cancelled_at"] or o["refunds"] or o["fulfillments"]:
            return False
        free = _dec(o["total_shipping_price_set"]["shop_money"]["amount"]) == 0
        return o["financial_status"] in ("pending", "authorized") or (o["financial_status"] == "paid" and free)

    cands = [o for o in world.orders if eligible(o)]
    chosen = rng.sample(cands, min(len(cands), max(1, round(per_day * 0.01))))
    for order in chosen:
        start = max(lo, ctx.updated[order["id"]])
        _cancel(ctx, rng, order, _instant_in(rng, start, hi), refund=order["financial_status"] == "paid")
        if order["customer"]:
            _refresh_customer(ctx, order["customer"]["id"])
    return sorted(o["id"] for o in chosen)


def _mutate_edits(world: ShopWorld, ctx: _Ctx, rng: _Rng, lo: datetime, hi: datetime,
                  per_day: float) -> list[int]:
    """Tag/note edits, payment captures and shipments of earlier orders."""
    edited = set()
    live = [o for o in world.orders if not o["cancelled_at"] and _created(o) < lo]
    for order in rng.sample(live, min(len(live), max(1, round(per_day * 0.05)))):
        _edit(ctx, rng, order, _instant_in(rng, lo, hi))
        edited.add(order["id"])
    for order in live:
        if order["financial_status"] == "authorized" and _created(order) < lo - DAY:
            order["financial_status"] = "paid"  # payment captured
            _touch(ctx, order, _instant_in(rng, lo, hi))
            edited.add(order["id"])
        if order["financial_status"] == "paid" and not order["fulfillments"] and rng.random() < 0.7:
            _fulfil(ctx, rng, order, _instant_in(rng, max(lo, ctx.updated[order["id"]]), hi), partial=False)
            edited.add(order["id"])
    return sorted(edited)


def _mutate_products(world: ShopWorld, ctx: _Ctx, rng: _Rng, lo: datetime, hi: datetime) -> list[int]:
    """Stock changes on one product; sometimes a price change."""
    product = rng.choice(world.products)
    when = _instant_in(rng, lo, hi)
    stamp = ctx.iso(when)
    variant = rng.choice(product["variants"])
    variant["old_inventory_quantity"] = variant["inventory_quantity"]
    variant["inventory_quantity"] = max(0, variant["inventory_quantity"] + rng.randint(-20, 60))
    if rng.random() < 0.3:
        price = _q(_dec(variant["price"]) * Decimal(rng.choice(("0.9", "1.05", "1.1"))))
        variant["price"] = _s(price)
        variant["presentment_prices"] = [
            {"price": {"amount": _s(price * ctx.rates[c]), "currency_code": c}, "compare_at_price": None}
            for c in ctx.presentment]
    variant["updated_at"] = stamp
    product["updated_at"] = stamp
    return [product["id"]]


def _mutate_customers(world: ShopWorld, ctx: _Ctx, rng: _Rng, lo: datetime, hi: datetime) -> list[int]:
    """Marketing-consent / tag changes, plus every customer touched by today's orders."""
    if world.customers:
        for customer in rng.sample(world.customers, min(2, len(world.customers))):
            when = _instant_in(rng, lo, hi)
            consent = customer["email_marketing_consent"]
            subscribed = consent["state"] != "subscribed"
            customer["email_marketing_consent"] = {
                "state": "subscribed" if subscribed else "unsubscribed", "opt_in_level": "single_opt_in",
                "consent_updated_at": ctx.iso(when)}
            tags = {t for t in customer["tags"].split(", ") if t} | {"newsletter"}
            customer["tags"] = ", ".join(sorted(tags))
            _touch_customer(ctx, customer["id"], when)
            _refresh_customer(ctx, customer["id"])
    return sorted(cid for cid, t in ctx.customer_updated.items() if t >= lo)


# --------------------------------------------------------------------------- build


def build_world(spec: WorldSpec | None = None) -> ShopWorld:
    """Generate the shop described by ``spec`` (deterministic for a given spec)."""
    spec = spec or WorldSpec()
    # The build allocates millions of small dicts; the cyclic GC would rescan
    # them over and over (superlinear), and there are no cycles to collect.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(spec)
    finally:
        if enabled:
            gc.enable()


def _build(spec: WorldSpec) -> ShopWorld:
    rng = _Rng(spec.seed)
    ctx = _Ctx(spec)
    products, inventory_items = _build_catalog(ctx, rng)
    instants = _order_instants(ctx, rng)
    roles = _assign_roles(len(instants), rng)
    active = spec.customer_pool - spec.customer_pool // 8
    buyers = _assign_buyers(ctx, rng, roles, active)
    customers, id_of = _build_customers(ctx, rng, instants, buyers)
    orders = []
    for when, buyer, role in zip(instants, buyers, roles, strict=True):
        if buyer[0] == "customer":
            buyer = ("customer", id_of[buyer[1]])
        order = _new_order(ctx, rng, when, buyer, role)
        _initial_events(ctx, rng, order, when, role)
        orders.append(order)
        if order["customer"]:
            _touch_customer(ctx, order["customer"]["id"], when, order["created_at"])
    _initial_refunds(ctx, rng, orders)
    for cid in ctx.customers_by_id:
        _refresh_customer(ctx, cid)
    return ShopWorld(spec, ctx, orders, products, customers, inventory_items)
