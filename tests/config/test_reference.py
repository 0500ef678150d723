"""docs/config-reference.md is the schemas rendered: committed, current, and complete."""

from __future__ import annotations

from pathlib import Path

from generator.config.reference import render_reference
from generator.config.schema import schema

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "config-reference.md"


def test_committed_reference_is_current() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), "run: ecomm schema --reference > " + str(
        REFERENCE)


def test_every_store_field_has_a_section() -> None:
    text = render_reference()
    for key in schema("merchant")["properties"]:
        assert f"### `{key}`" in text
    for nested in ("sources.shopify.access_token", "warehouse.bigquery.project", "alerts.on_failure",
                   "defaults.sources.shopify.api_version"):
        assert f"### `{nested}`" in text
    assert "### `display_name` — **required**" in text
    assert "allowed: `orders`, `products`, `customers`" in text
