"""The configuration reference (docs/config-reference.md), rendered from the JSON Schemas.

The schemas are the contract, so the reference is derived from them and a test keeps the committed
page equal to this rendering: a field cannot exist without its documentation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from generator.config.schema import resolve_ref, schema

LISTED = 12  # allowed values are listed when there are at most this many


def render_reference() -> str:
    parts = [
        "# Configuration reference",
        "",
        "Generated from `schemas/merchant.schema.json` and `schemas/agency.schema.json` by",
        "`ecomm schema --reference`; do not edit by hand. Keys marked **required** must be present",
        "(in the store file or, where allowed, in the agency defaults); every other key may be left out.",
        "",
    ]
    for name, title in (("merchant", "Store file: `config/merchants/<slug>.yaml`"),
                        ("agency", "Agency file: `config/agency.yaml`")):
        doc = schema(name)
        parts += [f"## {title}", "", doc["description"], ""]
        parts += [_field(path, prop, required) for path, prop, required in _walk(doc, ())]
    return "\n".join(parts)


def _walk(node: dict[str, Any], path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any], bool]]:
    node = _resolve(node)
    required = set(node.get("required", ()))
    for key, prop in node.get("properties", {}).items():
        prop = _resolve(prop)
        yield (*path, key), prop, key in required
        if prop.get("type") == "object":
            yield from _walk(prop, (*path, key))


def _resolve(prop: dict[str, Any]) -> dict[str, Any]:
    ref = prop.get("$ref", "")
    if ref.startswith("merchant.schema.json#/"):
        target: Any = schema("merchant")
        for part in ref.split("#/", 1)[1].split("/"):
            target = target[part]
        return {**target, **{k: v for k, v in prop.items() if k != "$ref"}}
    return resolve_ref(prop)


def _field(path: tuple[str, ...], prop: dict[str, Any], required: bool) -> str:
    lines = [f"### `{'.'.join(path)}`" + (" — **required**" if required else ""), "", prop.get("description", ""), ""]
    facts = [f"type: {_type(prop)}"]
    if "default" in prop:
        facts.append(f"default: `{json.dumps(prop['default'])}`")
    allowed = prop.get("enum") or prop.get("items", {}).get("enum")
    if allowed and len(allowed) <= LISTED:
        facts.append("allowed: " + ", ".join(f"`{value}`" for value in allowed))
    elif allowed:
        facts.append(f"allowed: one of {len(allowed)} values (see the schema)")
    if "pattern" in prop:
        facts.append(f"pattern: `{prop['pattern']}`")
    if prop.get("examples"):
        facts.append(f"example: `{json.dumps(prop['examples'][0], ensure_ascii=False)}`")
    lines += [f"- {fact}" for fact in facts]
    return "\n".join(lines) + "\n"


def _type(prop: dict[str, Any]) -> str:
    if "const" in prop:
        return f"the number {prop['const']}" if isinstance(prop["const"], int) else json.dumps(prop["const"])
    kind = prop.get("type", "string")
    if kind == "array":
        return f"list of {prop.get('items', {}).get('type', 'value')}"
    return {"object": "mapping", "string": "text", "integer": "whole number"}.get(kind, kind)
