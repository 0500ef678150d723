"""Google Ads API REST emulator and the deterministic customers and campaigns it serves."""

from generator.emulators.google_ads.server import GaqlError, GaqlQuery, GoogleAdsEmulator, RequestRecord, parse_gaql
from generator.emulators.google_ads.world import (
    US_CUSTOMER,
    AdvanceSummary,
    Campaign,
    CampaignDay,
    Customer,
    CustomerSpec,
    GoogleAdsSpec,
    GoogleAdsWorld,
    build_google_ads_world,
)

__all__ = [
    "US_CUSTOMER", "AdvanceSummary", "Campaign", "CampaignDay", "Customer", "CustomerSpec", "GaqlError", "GaqlQuery",
    "GoogleAdsEmulator", "GoogleAdsSpec", "GoogleAdsWorld", "RequestRecord", "build_google_ads_world", "parse_gaql",
]
