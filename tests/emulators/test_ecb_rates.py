"""The deterministic ECB rate history against api-contracts §7.1 and analytics-definitions §5.3/§5.6."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from generator.emulators.ecb.rates import (
    RateHistory,
    RateSpec,
    build_rates,
    easter_sunday,
    format_rate,
    is_publication_day,
    publication_days,
    rate_on,
    target_holidays,
)

pytestmark = pytest.mark.timeout(60)

# Decimals of the ECB's daily file (api-contracts §7.1 examples and the published XML).
PRECISION = {"USD": 4, "GBP": 5, "CHF": 4, "JPY": 2, "SEK": 4, "PLN": 4, "DKK": 4, "NOK": 4, "CZK": 3, "HUF": 2,
             "AUD": 4, "CAD": 4, "BGN": 4}
PLAUSIBLE = {"USD": ("0.95", "1.25"), "GBP": ("0.75", "0.95"), "CHF": ("0.85", "1.05"), "JPY": ("140", "185"),
             "SEK": ("10", "12.8"), "PLN": ("4", "4.6"), "DKK": ("7.43", "7.49"), "NOK": ("10.5", "12.8"),
             "CZK": ("23.5", "27"), "HUF": ("360", "450"), "AUD": ("1.45", "1.9"), "CAD": ("1.35", "1.7"),
             "BGN": ("1.9558", "1.9558")}


@pytest.fixture(scope="module")
def history() -> RateHistory:
    return build_rates()


def snapshot(h: RateHistory) -> tuple[list[date], dict]:
    return list(h.days), {d: dict(r) for d, r in h.rates.items()}


# ----------------------------------------------------------------------------- determinism and growth


def test_same_spec_same_history_other_seed_other_rates(history: RateHistory) -> None:
    assert snapshot(build_rates(RateSpec())) == snapshot(history)
    other = build_rates(RateSpec(seed=7))
    assert other.days == history.days
    assert [other.rates[d]["USD"] for d in other.days] != [history.rates[d]["USD"] for d in history.days]


def test_default_spec() -> None:
    spec = RateSpec()
    assert (spec.seed, spec.start, spec.end) == (42, date(2025, 1, 1), date(2026, 11, 30))
    assert spec.currencies == ("USD", "GBP", "CHF", "JPY", "SEK", "PLN", "DKK", "NOK", "CZK", "HUF", "AUD", "CAD",
                               "BGN")


def test_extend_to_and_advance_equal_a_longer_spec() -> None:
    full = build_rates(RateSpec(end=date(2025, 3, 31)))
    grown = build_rates(RateSpec(end=date(2025, 1, 31)))
    rev = grown.revision
    new = grown.extend_to(date(2025, 2, 28))
    assert new == publication_days(date(2025, 2, 1), date(2025, 2, 28)) and grown.revision > rev
    assert grown.end == date(2025, 2, 28)
    assert grown.extend_to(date(2025, 2, 1)) == [] and grown.end == date(2025, 2, 28)  # never shrinks
    stepped = grown.advance(3)
    assert stepped == [date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)]  # 1 and 2 March are a weekend
    assert grown.end == date(2025, 3, 5) and grown.latest == date(2025, 3, 5)
    grown.extend_to(date(2025, 3, 31))
    assert snapshot(grown) == snapshot(full)
    assert grown.advance(0) == [] and grown.end == date(2025, 3, 31)


def test_advance_skips_holidays() -> None:
    h = build_rates(RateSpec(start=date(2025, 4, 14), end=date(2025, 4, 17)))
    assert h.advance(1) == [date(2025, 4, 22)]  # Good Friday, the weekend and Easter Monday are skipped
    with pytest.raises(ValueError):
        h.advance(-1)


# ----------------------------------------------------------------------------- calendar


@pytest.mark.parametrize(("year", "easter"), [(2000, date(2000, 4, 23)), (2019, date(2019, 4, 21)),
                                              (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                              (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
                                              (2038, date(2038, 4, 25))])
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_no_weekends(history: RateHistory) -> None:
    assert history.days and all(d.weekday() < 5 for d in history.days)
    assert history.days == sorted(set(history.days))


@pytest.mark.parametrize("holiday", [
    date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 1), date(2025, 12, 25),
    date(2025, 12, 26), date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1)])
def test_no_target_holidays(history: RateHistory, holiday: date) -> None:
    assert holiday.weekday() < 5  # all of these fall on weekdays in 2025/2026
    assert holiday not in history.days and holiday not in history.rates
    assert not is_publication_day(holiday)


def test_every_target_working_day_is_published(history: RateHistory) -> None:
    span = (history.spec.end - history.spec.start).days + 1
    weekdays = [history.spec.start + timedelta(days=n) for n in range(span)]
    holidays = target_holidays(2025) | target_holidays(2026)
    assert history.days == [d for d in weekdays if d.weekday() < 5 and d not in holidays]
    assert len(target_holidays(2025)) == 6
    # Maundy Thursday and the Tuesday after Easter are ordinary working days.
    assert {date(2025, 4, 17), date(2025, 4, 22), date(2026, 4, 2), date(2026, 4, 7)} <= set(history.days)
    assert history.days[0] == date(2025, 1, 2) and history.days[-1] == date(2026, 11, 30)


# ----------------------------------------------------------------------------- BGN, gaps, exactness


def test_bgn_pegged_until_the_euro_then_na(history: RateHistory) -> None:
    before = [d for d in history.days if d < date(2026, 1, 1)]
    after = [d for d in history.days if d >= date(2026, 1, 1)]
    assert before[-1] == date(2025, 12, 31) and after[0] == date(2026, 1, 2)
    assert {history.rates[d]["BGN"] for d in before} == {Decimal("1.9558")}
    assert all(history.rates[d]["BGN"] is None for d in after)
    assert all("BGN" in history.rates[d] for d in history.days)  # the key stays: N/A, not a dropped currency


def test_gap_days_for_one_minor_currency(history: RateHistory) -> None:
    missing = {(d, c) for d in history.days for c, v in history.rates[d].items() if v is None}
    gaps = {d for d, c in missing if c != "BGN"}
    assert {c for d, c in missing if c != "BGN"} == {"HUF"}
    assert 1 <= len(gaps) <= 10
    quiet = build_rates(RateSpec(end=date(2025, 6, 30), gap_currency=None))
    assert all(v is not None for d in quiet.days for v in quiet.rates[d].values())


def test_decimal_exactness_and_ecb_precision(history: RateHistory) -> None:
    for day in history.days:
        row = history.rates[day]
        assert set(row) == set(history.currencies)
        for currency, value in row.items():
            if value is None:
                continue
            assert type(value) is Decimal and not isinstance(value, float)
            assert value.as_tuple().exponent == -PRECISION[currency], (day, currency, value)
            assert Decimal(format_rate(value)) == value and format_rate(value) == str(value)
            assert Decimal(format_rate(value, trim=True)) == value


def test_format_rate() -> None:
    assert format_rate(Decimal("0.85690")) == "0.85690"
    assert format_rate(Decimal("0.85690"), trim=True) == "0.8569"
    assert format_rate(Decimal("160.00"), trim=True) == "160"
    assert format_rate(Decimal("17500.10"), trim=True) == "17500.1"
    assert format_rate(Decimal("1.0465"), trim=True) == "1.0465"


def test_plausible_levels_and_moves(history: RateHistory) -> None:
    for currency, (lo, hi) in PLAUSIBLE.items():
        values = [history.rates[d][currency] for d in history.days if history.rates[d][currency] is not None]
        assert Decimal(lo) <= min(values) and max(values) <= Decimal(hi), (currency, min(values), max(values))
        moves = [abs(b / a - 1) for a, b in zip(values, values[1:], strict=False)]
        assert max(moves) < Decimal("0.03"), currency  # no day moves more than 3 %
    first = history.rates[history.days[0]]
    assert Decimal("1.05") < first["USD"] < Decimal("1.11") and Decimal("150") < first["JPY"] < Decimal("170")


# ----------------------------------------------------------------------------- rate_on and validation


def test_rate_on(history: RateHistory) -> None:
    friday, saturday = date(2025, 3, 7), date(2025, 3, 8)
    assert rate_on(history, friday, "USD") == history.rates[friday]["USD"]
    assert rate_on(history, saturday, "USD") is None  # no as-of fallback here
    assert rate_on(history, date(2025, 4, 21), "GBP") is None
    assert rate_on(history, friday, "EUR") == Decimal(1)
    assert rate_on(history, saturday, "EUR") is None
    assert rate_on(history, friday, "RUB") is None
    assert rate_on(history, date(2026, 3, 2), "BGN") is None


@pytest.mark.parametrize("kwargs", [
    {"end": date(2024, 12, 31)},
    {"start": date(2025, 1, 4), "end": date(2025, 1, 5)},  # a weekend only
    {"currencies": ("USD", "XXX")},
    {"currencies": ("USD", "USD")},
    {"currencies": ()},
    {"gap_currency": "ZAR"},
    {"gap_probability": 1.5},
])
def test_spec_validation(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        RateSpec(**kwargs)


def test_other_currencies_and_seeds_stay_plausible() -> None:
    spec = RateSpec(seed=3, currencies=("USD", "IDR", "KRW", "TRY", "ISK", "RON"), gap_currency="ISK",
                    euro_adoptions=(), end=date(2025, 12, 31))
    h = build_rates(spec)
    idr = [h.rates[d]["IDR"] for d in h.days]
    assert all(v.as_tuple().exponent == -2 for v in idr) and Decimal("14000") < min(idr) < max(idr) < Decimal("21000")
    try_ = [h.rates[d]["TRY"] for d in h.days]
    assert try_[-1] > try_[0]  # the lira drifts weaker
