"""Shopify Admin REST: orders (with line items and refunds), products, customers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NAME = "shopify"
PYTHON_TEMPLATE = "dlt/shopify.py.j2"

# Shopify stamps `updated_at` before the change is visible to list queries, and a second can hold many
# updates; re-reading the last hour on every run costs a page or two, and merging on `id` makes the
# re-read idempotent. One hour also covers the repeated hour when clocks fall back.
LOOKBACK_SECONDS = 3600
PAGE_SIZE = 250  # Shopify's maximum
SANDBOX_TOKEN = "shpat_sandbox_emulator_token"  # what the bundled emulator accepts; never a real token

_STAGING = {
    "orders": ("stg_shopify__orders.sql", "stg_shopify__order_lines.sql", "stg_shopify__refund_lines.sql",
               "stg_shopify__shipping_lines.sql", "_shopify__staging.yml"),
    "products": ("stg_shopify__products.sql",),
    "customers": ("stg_shopify__customers.sql",),
}
# dlt turns nested lists into child tables named parent__child.
_TABLES = {
    "orders": ("orders", "orders__line_items", "orders__line_items__discount_allocations",
               "orders__line_items__tax_lines", "orders__refunds", "orders__refunds__refund_line_items",
               "orders__shipping_lines", "orders__shipping_lines__tax_lines"),
    "products": ("products",),
    "customers": ("customers",),
}
_MARTS = ("marts/fct_orders.sql", "marts/daily_sales.sql", "marts/_sales.yml",
          "tests/assert_daily_sales_match_orders.sql")


@dataclass(frozen=True)
class ShopifyConfig:
    shop: str
    api_version: str
    access_token: str
    resources: tuple[str, ...]

    @property
    def production_url(self) -> str:
        return f"https://{self.shop}.myshopify.com"


def build(section: dict[str, Any]) -> ShopifyConfig:
    return ShopifyConfig(shop=section["shop"], api_version=section["api_version"],
                         access_token=section["access_token"], resources=tuple(sorted(section["resources"])))


def dbt_templates(config: ShopifyConfig) -> tuple[str, ...]:
    """The dbt files this source brings: staging for each loaded resource; the sales marts need orders."""
    staging = ["models/staging/shopify/_shopify__sources.yml"]
    staging += [f"models/staging/shopify/{name}" for resource in config.resources for name in _STAGING[resource]]
    marts = [f"models/{m}" if not m.startswith("tests/") else m for m in _MARTS] if "orders" in config.resources else []
    return tuple(sorted(staging + marts))


def view(config: ShopifyConfig, merchant: Any) -> dict[str, Any]:
    """What the dlt template needs, computed here so the template only substitutes."""
    params = {resource: {"limit": PAGE_SIZE, "order": "updated_at asc"} for resource in config.resources}
    if "orders" in params:
        params["orders"]["status"] = "any"  # orders.json defaults to open orders only
    return {
        "shop": config.shop,
        "api_version": config.api_version,
        "access_token": config.access_token,
        "production_url": config.production_url,
        "resources": list(config.resources),
        "resource_params": params,
        "lookback_seconds": LOOKBACK_SECONDS,
        "start_date": merchant.start_date.isoformat(),
        "tables": sorted(table for resource in config.resources for table in _TABLES[resource]),
    }


def sandbox(config: ShopifyConfig, merchant: Any, *, port: int, world: Any) -> tuple[Any, dict[str, str]]:
    """A started emulator of the sandbox world's shop, and the environment that points the pipeline at it."""
    from generator.config.rules import secret_env_name
    from generator.emulators.shopify import ShopifyEmulator

    emulator = ShopifyEmulator(world.shop, access_token=SANDBOX_TOKEN, port=port).start()
    env = {"ECOMM_SHOPIFY_URL": emulator.base_url, secret_env_name(config.access_token): SANDBOX_TOKEN}
    return emulator, env
