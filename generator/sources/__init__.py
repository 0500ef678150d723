"""The source registry: every data source the generator knows, one module each.

A source contributes a config builder (validated YAML section → frozen config), the generated Python
modules it needs (dlt source code) and the dbt templates it brings. Adding a source means adding a
module here, its section in schemas/merchant.schema.json and its templates; the core does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.sources import ecb, shopify


@dataclass(frozen=True)
class SourceType:
    name: str
    build: Callable[[dict[str, Any]], Any]
    python_template: str
    dbt_templates: Callable[[Any], tuple[str, ...]]
    view: Callable[[Any, Any], dict[str, Any]]
    sandbox: Callable[..., tuple[Any, dict[str, str]]]
    # Sources nobody configures but that the configured ones need (exchange rates for money).
    implied: Callable[[dict[str, Any]], bool] = lambda sources: False


SOURCE_TYPES: dict[str, SourceType] = {
    source.name: source
    for source in (
        SourceType(shopify.NAME, shopify.build, shopify.PYTHON_TEMPLATE, shopify.dbt_templates, shopify.view,
                   shopify.sandbox),
        SourceType(ecb.NAME, ecb.build, ecb.PYTHON_TEMPLATE, ecb.dbt_templates, ecb.view, ecb.sandbox, ecb.implied),
    )
}
