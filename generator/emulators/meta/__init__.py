"""Meta Marketing API (Ads Insights) emulator and the deterministic ad accounts it serves."""

from generator.emulators.meta.server import MetaEmulator, MetaRequestRecord
from generator.emulators.meta.world import (
    AccountSpec,
    AdDay,
    AdvanceSummary,
    MetaSpec,
    MetaWorld,
    Metrics,
    build_meta_world,
)

__all__ = ["AccountSpec", "AdDay", "AdvanceSummary", "MetaEmulator", "MetaRequestRecord", "MetaSpec", "MetaWorld",
           "Metrics", "build_meta_world"]
