"""Google Ads API (REST): daily cost, clicks, impressions and conversions per customer and campaign."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NAME = "google_ads"
PYTHON_TEMPLATE = "dlt/google_ads.py.j2"
PRODUCTION_URL = "https://googleads.googleapis.com"
PRODUCTION_TOKEN_URL = "https://oauth2.googleapis.com/token"
RESOURCES = ("campaign_daily",)
# The GAQL selection, in the order the API documents it; `segments.date` makes the rows daily.
FIELDS = ("customer.id", "customer.currency_code", "customer.time_zone", "campaign.id", "campaign.name",
          "campaign.status", "segments.date", "metrics.cost_micros", "metrics.clicks", "metrics.impressions",
          "metrics.conversions", "metrics.conversions_value")
# What the bundled emulator accepts in sandbox runs; never real credentials.
SANDBOX_CLIENT_ID = "sandbox-client"
SANDBOX_CLIENT_SECRET = "sandbox-secret"
SANDBOX_REFRESH_TOKEN = "sandbox-refresh"
SANDBOX_DEVELOPER_TOKEN = "sandbox-developer-token"

_STAGING = ("_google_ads__sources.yml", "_google_ads__staging.yml", "stg_google_ads__campaign_daily.sql")


@dataclass(frozen=True)
class GoogleAdsConfig:
    customer_ids: tuple[str, ...]
    login_customer_id: str | None
    client_id: str
    client_secret: str
    refresh_token: str
    developer_token: str | None
    api_version: str
    repull_days: int

    @property
    def resources(self) -> tuple[str, ...]:
        """What the DAG's documentation lists as loaded (a property, so not a config field)."""
        return RESOURCES


def build(section: dict[str, Any]) -> GoogleAdsConfig:
    return GoogleAdsConfig(
        customer_ids=tuple(section["customer_ids"]), login_customer_id=section.get("login_customer_id"),
        client_id=section["client_id"], client_secret=section["client_secret"],
        refresh_token=section["refresh_token"], developer_token=section.get("developer_token"),
        api_version=section["api_version"], repull_days=section["repull_days"])


def dbt_templates(config: GoogleAdsConfig) -> tuple[str, ...]:
    return tuple(f"models/staging/google_ads/{name}" for name in _STAGING)


def view(config: GoogleAdsConfig, merchant: Any) -> dict[str, Any]:
    """What the dlt template needs, computed here so the template only substitutes."""
    return {
        "production_url": PRODUCTION_URL,
        "production_token_url": PRODUCTION_TOKEN_URL,
        "api_version": config.api_version,
        "customer_ids": list(config.customer_ids),
        "login_customer_id": config.login_customer_id,
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "refresh_token": config.refresh_token,
        "developer_token": config.developer_token,
        "repull_days": config.repull_days,
        "start_date": merchant.start_date.isoformat(),
        "fields": list(FIELDS),
        "tables": list(RESOURCES),
    }


def sandbox(config: GoogleAdsConfig, merchant: Any, *, port: int, world: Any) -> tuple[Any, dict[str, str]]:
    """A started emulator serving the sandbox world's customers (through the configured manager, if any),
    and the environment pointing the pipeline at it."""
    from generator.config.rules import secret_env_name
    from generator.emulators.google_ads import GoogleAdsEmulator

    developer_token = SANDBOX_DEVELOPER_TOKEN if config.developer_token else None
    emulator = GoogleAdsEmulator(world.google_ads, client_id=SANDBOX_CLIENT_ID, client_secret=SANDBOX_CLIENT_SECRET,
                                 refresh_token=SANDBOX_REFRESH_TOKEN, developer_token=developer_token, port=port,
                                 api_version=config.api_version).start()
    secrets = {config.client_id: SANDBOX_CLIENT_ID, config.client_secret: SANDBOX_CLIENT_SECRET,
               config.refresh_token: SANDBOX_REFRESH_TOKEN}
    if config.developer_token:
        secrets[config.developer_token] = SANDBOX_DEVELOPER_TOKEN
    env = {"ECOMM_GOOGLE_ADS_URL": emulator.base_url, "ECOMM_GOOGLE_ADS_TOKEN_URL": emulator.token_url,
           **{secret_env_name(ref): value for ref, value in secrets.items()}}
    return emulator, env
