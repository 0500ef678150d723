"""A deterministic history of ECB euro reference rates (api-contracts §7.1, analytics-definitions §5.3).

Rates are quoted as the ECB quotes them: **units of currency per 1 EUR**
(USD 1.0465 means 1 EUR = 1.0465 USD). Each currency follows a seeded,
mean-reverting random walk in integer steps of its last published decimal, so
every value is an exact :class:`~decimal.Decimal` with the ECB's precision
(USD 4 decimals, GBP 5, JPY and HUF 2, CZK 3, ...) and no float ever reaches
a rate. Rates exist only on TARGET working days: no weekends, no 1 January,
Good Friday, Easter Monday, 1 May, 25 or 26 December.

BGN is pegged (1.9558) until Bulgaria adopts the euro on 2026-01-01 and is
``None`` (``N/A`` in the files) from then on. One minor currency
(``gap_currency``) is missing on a few seeded days, so that consumers have to
handle a currency that is not quoted on a day when the others are.

The history can grow (:meth:`RateHistory.extend_to`, :meth:`RateHistory.advance`)
so that incremental loads see new publication days; growing it gives exactly
the rates a longer :class:`RateSpec` would have produced.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

__all__ = ["ECB_COLUMNS", "RateHistory", "RateSpec", "build_rates", "easter_sunday", "format_rate",
           "is_publication_day", "publication_days", "rate_on", "target_holidays"]

#: The columns of the real ``eurofxref-hist.csv``, in the ECB's order (retired currencies included).
ECB_COLUMNS: tuple[str, ...] = (
    "USD", "JPY", "BGN", "CYP", "CZK", "DKK", "EEK", "GBP", "HUF", "LTL", "LVL", "MTL", "PLN", "ROL", "RON",
    "SEK", "SIT", "SKK", "CHF", "ISK", "NOK", "HRK", "RUB", "TRL", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD",
    "IDR", "ILS", "INR", "KRW", "MXN", "MYR", "NZD", "PHP", "SGD", "THB", "ZAR")

DEFAULT_CURRENCIES: tuple[str, ...] = ("USD", "GBP", "CHF", "JPY", "SEK", "PLN", "DKK", "NOK", "CZK", "HUF", "AUD",
                                       "CAD", "BGN")


@dataclass(frozen=True)
class _Profile:
    """How one currency moves: its level as published (the string fixes the decimals) and daily volatility."""

    level: str
    vol: float  # standard deviation of the daily relative change
    reversion: float = 0.01  # share of the distance to ``level`` closed per publication day
    drift: float = 0.0  # mean daily relative change (a steadily weakening currency)


# Levels are about those of 2025; decimals are those of the ECB's daily file.
_PROFILES: dict[str, _Profile] = {
    "USD": _Profile("1.0800", 0.0045), "JPY": _Profile("160.00", 0.0060), "BGN": _Profile("1.9558", 0.0, 0.0),
    "CZK": _Profile("25.100", 0.0020), "DKK": _Profile("7.4600", 0.0002, 0.05), "GBP": _Profile("0.85000", 0.0030),
    "HUF": _Profile("405.00", 0.0045), "PLN": _Profile("4.2500", 0.0030), "RON": _Profile("4.9750", 0.0010),
    "SEK": _Profile("11.3000", 0.0045), "CHF": _Profile("0.9400", 0.0035), "ISK": _Profile("146.00", 0.0040),
    "NOK": _Profile("11.6000", 0.0050), "TRY": _Profile("38.0000", 0.0040, 0.0, 0.0008),
    "AUD": _Profile("1.6500", 0.0055), "BRL": _Profile("6.2000", 0.0070), "CAD": _Profile("1.5000", 0.0045),
    "CNY": _Profile("7.7500", 0.0040), "HKD": _Profile("8.4000", 0.0045), "IDR": _Profile("17500.00", 0.0050),
    "ILS": _Profile("3.9500", 0.0055), "INR": _Profile("92.0000", 0.0045), "KRW": _Profile("1500.00", 0.0055),
    "MXN": _Profile("21.0000", 0.0070), "MYR": _Profile("4.8000", 0.0040), "NZD": _Profile("1.8500", 0.0055),
    "PHP": _Profile("62.000", 0.0045), "SGD": _Profile("1.4500", 0.0030), "THB": _Profile("37.500", 0.0045),
    "ZAR": _Profile("19.5000", 0.0080),
}


# --------------------------------------------------------------------------- calendar


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday, by the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def target_holidays(year: int) -> frozenset[date]:
    """TARGET closing days: 1 Jan, Good Friday, Easter Monday, 1 May, 25 and 26 Dec."""
    easter = easter_sunday(year)
    return frozenset({date(year, 1, 1), easter - timedelta(days=2), easter + timedelta(days=1), date(year, 5, 1),
                      date(year, 12, 25), date(year, 12, 26)})


def is_publication_day(day: date) -> bool:
    """True on TARGET working days, the days the ECB publishes reference rates."""
    return day.weekday() < 5 and day not in target_holidays(day.year)


def publication_days(start: date, end: date) -> list[date]:
    """TARGET working days from ``start`` to ``end`` inclusive, ascending."""
    span = (end - start).days + 1
    return [d for d in (start + timedelta(days=n) for n in range(max(0, span))) if is_publication_day(d)]


# --------------------------------------------------------------------------- spec and history


@dataclass(frozen=True)
class RateSpec:
    """What history to generate. Equal specs give identical histories.

    ``gap_currency`` is missing (``None``) on each publication day with
    probability ``gap_probability`` (``None`` or 0 turns gaps off);
    ``euro_adoptions`` lists (currency, first day in the euro): the currency
    is ``None`` from that day on.
    """

    seed: int = 42
    start: date = date(2025, 1, 1)
    end: date = date(2026, 11, 30)
    currencies: tuple[str, ...] = DEFAULT_CURRENCIES
    gap_currency: str | None = "HUF"
    gap_probability: float = 0.01
    euro_adoptions: tuple[tuple[str, date], ...] = (("BGN", date(2026, 1, 1)),)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if not publication_days(self.start, self.end):
            raise ValueError("the range from start to end holds no TARGET working day")
        if not self.currencies or len(set(self.currencies)) != len(self.currencies):
            raise ValueError("currencies must be a non-empty tuple without duplicates")
        unknown = [c for c in self.currencies if c not in _PROFILES]
        if unknown:
            raise ValueError(f"unsupported currencies {unknown}; known: {sorted(_PROFILES)}")
        if self.gap_currency is not None and self.gap_currency not in self.currencies:
            raise ValueError(f"gap_currency {self.gap_currency!r} is not among the currencies")
        if not 0.0 <= self.gap_probability <= 1.0:
            raise ValueError("gap_probability must be between 0 and 1")


class RateHistory:
    """Published days and their rates; grows in place (under ``lock``) with :meth:`extend_to` / :meth:`advance`.

    ``days`` are the publication days in ascending order; ``rates[day]`` maps
    every currency of the spec to its published rate or ``None`` (``N/A``).
    ``end`` is the last calendar day covered, the emulator's "today".
    ``revision`` increases whenever days are added.
    """

    def __init__(self, spec: RateSpec) -> None:
        self.spec = spec
        self.days: list[date] = []
        self.rates: dict[date, dict[str, Decimal | None]] = {}
        self.end = spec.start - timedelta(days=1)
        self.revision = 0
        self.lock = threading.RLock()
        self._rng = random.Random(spec.seed)
        self._walk = {c: _Walk(_PROFILES[c]) for c in spec.currencies}
        self._adoptions = dict(spec.euro_adoptions)

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies of the spec, in the spec's order."""
        return self.spec.currencies

    @property
    def latest(self) -> date:
        """The newest publication day."""
        return self.days[-1]

    def extend_to(self, end: date) -> list[date]:
        """Publish every TARGET working day after :attr:`end` up to ``end``; returns the new days."""
        with self.lock:
            new = publication_days(self.end + timedelta(days=1), end)
            for day in new:
                self._publish(day)
            self.end = max(self.end, end)
            if new:
                self.revision += 1
            return new

    def advance(self, days: int = 1) -> list[date]:
        """Publish the next ``days`` publication days (skipping weekends and holidays); returns them."""
        if days < 0:
            raise ValueError("days must be >= 0")
        with self.lock:
            new: list[date] = []
            day = self.end
            while len(new) < days:
                day += timedelta(days=1)
                if is_publication_day(day):
                    self._publish(day)
                    new.append(day)
            self.end = day
            if new:
                self.revision += 1
            return new

    def _publish(self, day: date) -> None:
        """Draw one day: one step per currency, then one draw for the gap (always, to keep the stream aligned)."""
        rng = self._rng
        row: dict[str, Decimal | None] = {c: walk.step(rng) for c, walk in self._walk.items()}
        if rng.random() < self.spec.gap_probability and self.spec.gap_currency is not None:
            row[self.spec.gap_currency] = None
        for currency, first_euro_day in self._adoptions.items():
            if currency in row and day >= first_euro_day:
                row[currency] = None
        self.rates[day] = row
        self.days.append(day)


class _Walk:
    """A mean-reverting walk in integer ticks of the last published decimal."""

    def __init__(self, profile: _Profile) -> None:
        level = Decimal(profile.level)
        self.profile = profile
        self.exponent = level.as_tuple().exponent
        self.target = int(level.scaleb(-self.exponent))
        self.ticks = self.target

    def step(self, rng: random.Random) -> Decimal:
        p = self.profile
        shock = rng.gauss(0.0, 1.0)
        move = self.ticks * (p.vol * shock + p.drift) + p.reversion * (self.target - self.ticks)
        self.ticks = max(1, self.ticks + round(move))
        return Decimal(self.ticks).scaleb(self.exponent)


def build_rates(spec: RateSpec | None = None) -> RateHistory:
    """Generate the history described by ``spec`` (deterministic for a given spec)."""
    history = RateHistory(spec or RateSpec())
    history.extend_to(history.spec.end)
    return history


def rate_on(history: RateHistory, day: date, currency: str) -> Decimal | None:
    """The rate published for ``currency`` on ``day`` (units per EUR), or None.

    None on days without publication, for ``N/A`` cells and for currencies the
    history does not quote; EUR is 1 on publication days. No as-of fallback:
    that belongs to the dbt model.
    """
    row = history.rates.get(day)
    if row is None:
        return None
    if currency == "EUR":
        return Decimal(1)
    return row.get(currency)


def format_rate(value: Decimal, *, trim: bool = False) -> str:
    """A rate as the ECB prints it: fixed decimals (daily file), or trailing zeros cut (history files).

    ``trim=True`` gives ``0.8569`` for ``0.85690`` and ``160`` for ``160.00``,
    as ``eurofxref-hist.csv`` and the hist XML files do.
    """
    text = format(value, "f")
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
