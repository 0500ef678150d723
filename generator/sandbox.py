"""The sandbox world of a store: one coherent simulation that every bundled emulator serves.

`ecomm run` builds it once per run, from the store's own config (its time zone, currency, start
date, ad accounts), so the Shopify orders, the ad platforms' clicks and the GA4 sessions describe
the same customers. Each source's `sandbox()` then starts its emulator on its part of it.
"""

from __future__ import annotations

from datetime import date

from generator.emulators.google_ads import CustomerSpec
from generator.emulators.meta import AccountSpec
from generator.emulators.store_world import StoreWorld, StoreWorldSpec, build_store_world
from generator.model import Merchant

SANDBOX_END = date(2026, 11, 30)  # "today" in every sandbox world, so runs are reproducible
_META_CURRENCIES = ("EUR", "USD")  # alternate, so a second Meta account pays in a foreign currency
_GOOGLE_CAMPAIGNS = 4


def world_spec(merchant: Merchant, orders: int) -> StoreWorldSpec:
    """The world a store's sandbox run simulates, sized by ``orders``."""
    sources = dict(merchant.sources)
    meta, google = sources.get("meta_ads"), sources.get("google_ads")
    accounts = tuple(AccountSpec(account_id=account, currency=_META_CURRENCIES[i % 2], timezone=merchant.timezone,
                                 ads_per_adset=1) for i, account in enumerate(meta.accounts)) if meta else ()
    customers = tuple(CustomerSpec(customer_id=cid, currency=merchant.reporting_currency, time_zone=merchant.timezone,
                                   campaigns=_GOOGLE_CAMPAIGNS, manager_id=google.login_customer_id)
                      for cid in google.customer_ids) if google else ()
    return StoreWorldSpec(orders=orders, start=merchant.start_date, end=SANDBOX_END, timezone=merchant.timezone,
                          shop_currency=merchant.reporting_currency, meta_accounts=accounts,
                          google_customers=customers,
                          purchase_action_type=(meta or StoreWorldSpec).purchase_action_type,
                          hostname=f"{merchant.slug}.example")


def store_world(merchant: Merchant, orders: int) -> StoreWorld:
    return build_store_world(world_spec(merchant, orders))
