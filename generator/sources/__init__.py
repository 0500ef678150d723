"""The source registry: every data source the generator knows, one module each.

A source module defines NAME, PYTHON_TEMPLATE, build (validated YAML section → frozen config),
dbt_templates, view (what its templates substitute), sandbox (its emulator for sandbox runs) and,
optionally, implied (whether stores need it without configuring it). Adding a source means adding a
module here, its section in schemas/merchant.schema.json and its templates; the core does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from generator.sources import ecb, google_ads, meta_ads, shopify


@dataclass(frozen=True)
class SourceType:
    name: str
    build: Callable[[dict[str, Any]], Any]
    python_template: str
    dbt_templates: Callable[[Any], tuple[str, ...]]
    view: Callable[[Any, Any], dict[str, Any]]
    sandbox: Callable[..., tuple[Any, dict[str, str]]]
    # Sources nobody configures but that the configured ones need (exchange rates for money).
    implied: Callable[[dict[str, Any]], bool]

    @classmethod
    def from_module(cls, module: ModuleType) -> SourceType:
        return cls(module.NAME, module.build, module.PYTHON_TEMPLATE, module.dbt_templates, module.view,
                   module.sandbox, getattr(module, "implied", _never))


def _never(sources: dict[str, Any]) -> bool:
    return False


SOURCE_TYPES: dict[str, SourceType] = {m.NAME: SourceType.from_module(m) for m in (ecb, google_ads, meta_ads, shopify)}
