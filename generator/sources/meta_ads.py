"""Meta (Facebook, Instagram) Ads Insights: daily spend and platform-reported results per ad account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NAME = "meta_ads"
PYTHON_TEMPLATE = "dlt/meta_ads.py.j2"
PRODUCTION_URL = "https://graph.facebook.com"
SANDBOX_TOKEN = "EAAB-sandbox-token"  # what the bundled emulator accepts; never a real token
# Ranges longer than this go through an async report run: Meta times out or truncates big sync reads.
ASYNC_AFTER_DAYS = 31
# Graph error codes that mean "slow down" (they arrive as HTTP 400): retried with backoff.
RATE_LIMIT_CODES = (4, 17, 32, 613, 80000, 80001, 80002, 80003, 80004, 80005, 80006, 80008, 80009)


@dataclass(frozen=True)
class MetaAdsConfig:
    accounts: tuple[str, ...]
    access_token: str
    api_version: str
    level: str
    purchase_action_type: str
    repull_days: int


def build(section: dict[str, Any]) -> MetaAdsConfig:
    return MetaAdsConfig(accounts=tuple(section["accounts"]), access_token=section["access_token"],
                         api_version=section["api_version"], level=section["level"],
                         purchase_action_type=section["purchase_action_type"], repull_days=section["repull_days"])


def dbt_templates(config: MetaAdsConfig) -> tuple[str, ...]:
    return ("models/staging/meta_ads/_meta_ads__sources.yml", "models/staging/meta_ads/_meta_ads__staging.yml",
            "models/staging/meta_ads/stg_meta_ads__insights_daily.sql")


def view(config: MetaAdsConfig, merchant: Any) -> dict[str, Any]:
    entity = {"ad": ("campaign", "adset", "ad"), "adset": ("campaign", "adset"), "campaign": ("campaign",)}
    ids = [f"{e}_id" for e in entity[config.level]]
    fields = ["account_id", "account_currency", *(f"{e}_{p}" for e in entity[config.level] for p in ("id", "name")),
              "spend", "impressions", "clicks", "reach", "actions", "action_values"]
    return {
        "production_url": PRODUCTION_URL,
        "api_version": config.api_version,
        "accounts": list(config.accounts),
        "access_token": config.access_token,
        "level": config.level,
        "fields": fields,
        "primary_key": ["account_id", "date", *ids[-1:]],
        "purchase_action_type": config.purchase_action_type,
        "repull_days": config.repull_days,
        "async_after_days": ASYNC_AFTER_DAYS,
        "rate_limit_codes": list(RATE_LIMIT_CODES),
        "start_date": merchant.start_date.isoformat(),
        "entity_id": ids[-1],
        "tables": ["insights_daily"],
    }


def sandbox(config: MetaAdsConfig, merchant: Any, *, port: int, world: Any) -> tuple[Any, dict[str, str]]:
    """A started Meta emulator serving the sandbox world's ad accounts, and the env pointing the pipeline at it."""
    from generator.config.rules import secret_env_name
    from generator.emulators.meta import MetaEmulator

    emulator = MetaEmulator(world.meta, access_token=SANDBOX_TOKEN, api_version=config.api_version, port=port).start()
    return emulator, {"ECOMM_META_ADS_URL": emulator.base_url, secret_env_name(config.access_token): SANDBOX_TOKEN}
