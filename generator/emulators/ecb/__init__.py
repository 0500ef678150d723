"""ECB reference-rate files and Frankfurter v1 emulator, and the deterministic rate history it serves."""

from generator.emulators.ecb.rates import (
    ECB_COLUMNS,
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
from generator.emulators.ecb.server import ECBEmulator

__all__ = ["ECB_COLUMNS", "ECBEmulator", "RateHistory", "RateSpec", "build_rates", "easter_sunday", "format_rate",
           "is_publication_day", "publication_days", "rate_on", "target_holidays"]
