"""ECB euro foreign-exchange reference rates: loaded for every store whose amounts can be in another
currency than its reporting currency, which with Shopify's presentment currencies is every store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

NAME = "ecb"
PYTHON_TEMPLATE = "dlt/ecb.py.j2"
PRODUCTION_URL = "https://www.ecb.europa.eu"
# The as-of rate of the first days needs the last publication before them; weekends and TARGET
# holidays leave at most four days without one, so ten days before start_date are plenty.
HISTORY_BEFORE_START_DAYS = 10
# Past this many days since the last loaded rate, the 90-day file may not reach back far enough.
RECENT_FILE_DAYS = 80


@dataclass(frozen=True)
class EcbConfig:
    """Nothing to configure: the ECB publishes one set of rates for everyone."""


def implied(sources: dict[str, Any]) -> bool:
    """Every source we load carries money (sales, spend), and Shopify orders can be paid in any currency."""
    return bool(sources)


def build(section: dict[str, Any]) -> EcbConfig:
    return EcbConfig()


def dbt_templates(config: EcbConfig) -> tuple[str, ...]:
    return ("models/staging/ecb/_ecb__sources.yml", "models/staging/ecb/_ecb__staging.yml",
            "models/staging/ecb/stg_ecb__rates.sql")


def view(config: EcbConfig, merchant: Any) -> dict[str, Any]:
    return {
        "production_url": PRODUCTION_URL,
        "first_rate_date": (merchant.start_date - timedelta(days=HISTORY_BEFORE_START_DAYS)).isoformat(),
        "recent_file_days": RECENT_FILE_DAYS,
        "tables": ["rates"],
    }


def sandbox(config: EcbConfig, merchant: Any, *, port: int, world: Any) -> tuple[Any, dict[str, str]]:
    """A started ECB emulator serving the sandbox world's rate history, and the env pointing at it."""
    from generator.emulators.ecb import ECBEmulator

    emulator = ECBEmulator(world.rates, port=port).start()
    return emulator, {"ECOMM_ECB_URL": emulator.base_url}
