"""The JSON Schemas document themselves: descriptions and valid examples everywhere, closed objects, real enums."""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = {name: json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
           for name in ("merchant", "agency")}
REGISTRY = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values())
SHIPPED_YAML = sorted([ROOT / "config" / "agency.yaml", *(ROOT / "config" / "merchants").glob("*.yaml")])
TIMEZONES = SCHEMAS["merchant"]["$defs"]["timezone"]["enum"]
CURRENCIES = SCHEMAS["merchant"]["$defs"]["currency"]["enum"]


def _walk(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema (JSON pointer, node) of a schema document, $defs included."""
    if not isinstance(node, dict):
        return
    yield pointer, node
    for keyword in ("properties", "$defs"):
        for name, child in node.get(keyword, {}).items():
            yield from _walk(child, f"{pointer}/{keyword}/{name}")
    for keyword in ("items", "additionalProperties"):
        yield from _walk(node.get(keyword), f"{pointer}/{keyword}")


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`node` with its `$ref` (local, or into the other schema file) followed; the node's own keywords win."""
    ref = node.get("$ref")
    if ref is None:
        return node
    document, _, pointer = ref.partition("#")
    target: Any = SCHEMAS[document.removesuffix(".schema.json")] if document else schema
    for part in pointer.strip("/").split("/"):
        target = target[part]
    return {**_resolve(target, schema), **{k: v for k, v in node.items() if k != "$ref"}}


def _properties() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, schema in SCHEMAS.items():
        for pointer, node in _walk(schema):
            for key in node.get("properties", {}):
                yield name, f"{pointer}/properties/{key}", node["properties"][key]


PROPERTIES = list(_properties())
OBJECTS = [(name, pointer, node) for name, schema in SCHEMAS.items() for pointer, node in _walk(schema)
           if node.get("type") == "object" or "properties" in node]


def _validator_at(name: str, pointer: str) -> Draft202012Validator:
    ref = {"$ref": f"{SCHEMAS[name]['$id']}#{pointer}"}
    return Draft202012Validator(ref, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_walk_finds_every_level() -> None:
    pointers = {f"{name}:{pointer}" for name, pointer, _ in PROPERTIES}
    assert "merchant:/$defs/shopify/properties/access_token" in pointers
    assert "merchant:/$defs/warehouse/properties/bigquery/properties/location" in pointers
    assert "agency:/properties/defaults/properties/sources/properties/shopify/properties/api_version" in pointers
    assert len(PROPERTIES) > 40


@pytest.mark.parametrize(("name", "pointer", "node"), PROPERTIES, ids=[f"{n}:{p}" for n, p, _ in PROPERTIES])
def test_property_has_description_and_valid_examples(name: str, pointer: str, node: dict[str, Any]) -> None:
    field = _resolve(node, SCHEMAS[name])
    assert isinstance(field.get("description"), str) and len(field["description"]) >= 10, "needs a description"
    assert isinstance(field.get("examples"), list) and field["examples"], "needs examples"
    validator = _validator_at(name, pointer)
    for example in field["examples"]:
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, f"example {example!r} is invalid for its own field: {errors}"
    if "default" in field:
        assert not list(validator.iter_errors(field["default"])), f"default {field['default']!r} is invalid"


@pytest.mark.parametrize(("name", "pointer", "node"), OBJECTS, ids=[f"{n}:{p or '/'}" for n, p, _ in OBJECTS])
def test_every_object_is_closed(name: str, pointer: str, node: dict[str, Any]) -> None:
    assert node.get("additionalProperties") is False, "objects must set additionalProperties: false"
    assert set(node.get("required", ())) <= set(node.get("properties", {})), "required keys must be properties"


def test_timezones_are_zoneinfo_keys() -> None:
    available = zoneinfo.available_timezones()
    assert len(TIMEZONES) == len(set(TIMEZONES)) > 300
    assert [tz for tz in TIMEZONES if tz not in available] == []
    for tz in TIMEZONES:
        zoneinfo.ZoneInfo(tz)


def test_currencies_are_three_upper_case_letters() -> None:
    assert len(CURRENCIES) == len(set(CURRENCIES)) > 100
    assert [c for c in CURRENCIES if not re.fullmatch(r"[A-Z]{3}", c)] == []
    assert {"EUR", "USD", "GBP", "CHF", "JPY"} <= set(CURRENCIES)


def _coded_values(value, key=""):
    """(key, value) of every currency and time-zone field in a parsed config document."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _coded_values(child, child_key)
    elif isinstance(value, list):
        for child in value:
            yield from _coded_values(child, key)
    elif key.endswith("currency") or key == "timezone":
        yield key, value


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_codes_in_shipped_examples_are_in_the_enums(path: Path) -> None:
    from generator.config.yaml_loader import load_yaml

    for key, value in _coded_values(load_yaml(path.read_bytes(), path.name).data):
        allowed = TIMEZONES if key == "timezone" else CURRENCIES
        assert value in allowed, f"{key}: {value} in {path.name} is not allowed"


def test_shipped_examples_use_codes_at_all() -> None:
    """Guards the scan above: the shipped stores do name currencies and time zones."""
    text = "".join(p.read_text(encoding="utf-8") for p in SHIPPED_YAML)
    assert {"EUR", "USD"} <= set(re.findall(r"\b[A-Z]{3}\b", text))
    assert {"Europe/Berlin", "America/New_York"} <= set(re.findall(r"[A-Z][a-z]+/[A-Z][A-Za-z_]+", text))
