"""The generated ECB source against the ECB emulator: every published rate exactly once, N/A cells
skipped, the 90-day file for incremental runs, retries. Expectations come from the emulator's rate
history, not from the pipeline."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from generator.emulators.ecb import ECBEmulator, RateSpec, build_rates

RAW = "demo_store_raw_ecb"
FIRST = date(2026, 5, 22)  # the demo store's start_date (2026-06-01) minus the ten days of look-back


class Rates:
    def __init__(self, emulator: ECBEmulator, root: Path, runtime: Any):
        self.emulator, self.root, self.runtime = emulator, root, runtime
        self.module = importlib.import_module("ecomm_pipelines.demo_store.ecb")

    def load(self, today: date | None = None) -> dict[str, int]:
        return self.module.load(today or self.emulator_today())

    def emulator_today(self) -> date:
        return self.emulator.history.end

    def loaded(self) -> dict[tuple[date, str], Decimal]:
        with duckdb.connect(str(self.root / ".ecomm" / "demo-store.duckdb"), read_only=True) as connection:
            rows = connection.execute(f"select rate_date, currency, rate from {RAW}.rates").fetchall()
        assert len(rows) == len({(d, c) for d, c, _ in rows}), "a (day, currency) pair is there twice"
        return {(d, c): r for d, c, r in rows}

    def expected(self) -> dict[tuple[date, str], Decimal]:
        history = self.emulator.history
        return {(day, code): rate for day in history.days if day >= FIRST
                for code, rate in history.rates[day].items() if rate is not None}

    def files(self) -> list[str]:
        return [r.path.rsplit("/", 1)[-1] for r in self.emulator.requests]


@pytest.fixture
def rates(tmp_path: Path, runtime: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rates]:
    history = build_rates(RateSpec(start=date(2026, 1, 1), end=date(2026, 11, 20)))
    with ECBEmulator(history) as emulator:
        monkeypatch.setenv("ECOMM_TARGET", "local")
        monkeypatch.setenv("ECOMM_LOCAL_ROOT", str(tmp_path))
        monkeypatch.setenv("ECOMM_ECB_URL", emulator.base_url)
        yield Rates(emulator, tmp_path, runtime)


def test_first_load_has_every_published_rate_exactly(rates: Rates) -> None:
    rates.load()
    assert rates.files() == ["eurofxref-hist.zip"]
    loaded, expected = rates.loaded(), rates.expected()
    assert loaded == expected
    assert min(day for day, _ in loaded) >= FIRST
    assert not [key for key in loaded if key[1] == "BGN"], "BGN is N/A since 2026-01-01"
    assert all(day.weekday() < 5 for day, _ in loaded)
    assert date(2026, 6, 1) in {day for day, _ in loaded} and date(2026, 4, 6) not in {day for day, _ in loaded}


def test_incremental_runs_read_the_90_day_file_and_add_only_new_days(rates: Rates) -> None:
    rates.load()
    added = rates.emulator.history.advance(3)
    rows = rates.load()
    assert rates.files() == ["eurofxref-hist.zip", "eurofxref-hist-90d.xml"]
    assert rates.loaded() == rates.expected()
    new_pairs = sum(1 for day in added for rate in rates.emulator.history.rates[day].values() if rate is not None)
    # the last loaded day is read again (the cursor is inclusive), then merged, not doubled
    assert new_pairs <= rows["rates"] <= new_pairs + len(rates.emulator.history.currencies)


def test_a_long_pause_falls_back_to_the_full_history(rates: Rates) -> None:
    rates.load()
    rates.load(today=rates.emulator_today() + timedelta(days=120))
    assert rates.files() == ["eurofxref-hist.zip", "eurofxref-hist.zip"]
    assert rates.loaded() == rates.expected()


def test_server_errors_are_retried(rates: Rates) -> None:
    rates.emulator.inject(503, count=2)
    rates.load()
    assert [r.status for r in rates.emulator.requests] == [503, 503, 200]
    assert rates.loaded() == rates.expected()
