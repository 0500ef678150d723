"""Shopify Admin REST emulator and the deterministic shop world it serves."""

from generator.emulators.shopify.server import RequestRecord, ShopifyEmulator
from generator.emulators.shopify.world import MutationSummary, ShopWorld, WorldSpec, build_world

__all__ = ["MutationSummary", "RequestRecord", "ShopWorld", "ShopifyEmulator", "WorldSpec", "build_world"]
