"""The schema stage: JSON Schema 2020-12 over the merged document, every error in plain words.

jsonschema's own messages echo whole values (secrets included) and speak in schema terms; here each
failed keyword becomes a sentence for the person editing the file, with a fix and, for misspelt keys
and values, a "did you mean". Values of secret-bearing fields are never repeated.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path as FsPath
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource

from generator.config.merge import Located
from generator.errors import ConfigIssue, key_path

SCHEMA_DIR = FsPath(__file__).resolve().parents[2] / "schemas"
SMALL_SET = 12
_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "a mapping of `key: value` lines", "array": "a list", "null": "nothing"}
_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}


@cache
def schema(name: str) -> dict[str, Any]:
    """The parsed JSON Schema `schemas/<name>.schema.json`."""
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Draft202012Validator:
    registry = Registry().with_resources(
        (f"{other}.schema.json", Resource.from_contents(schema(other))) for other in ("merchant", "agency"))
    return Draft202012Validator(schema(name), registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_issues(doc: Located, name: str, skip: frozenset[tuple[Any, ...]] = frozenset()) -> list[ConfigIssue]:
    """Every schema violation in `doc` against `schemas/<name>.schema.json`, skipping paths in `skip`."""
    def skipped(path: tuple[Any, ...]) -> bool:
        return any(path[: len(s)] == s for s in skip)

    issues = []
    for error in _leaf_errors(_validator(name).iter_errors(doc.data)):
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties":
            issues += [_unknown_key(doc, path, key, error.schema) for key in _extra_keys(error)
                       if not skipped((*path, key))]
        elif not skipped(path):
            issues.append(_explain(error, path, doc))
    return issues


def _leaf_errors(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    for error in errors:
        yield from _leaf_errors(iter(error.context)) if error.context else (error,)


def _explain(error: ValidationError, path: tuple[Any, ...], doc: Located) -> ConfigIssue:
    if error.validator == "required":
        return _missing_key(doc, path, error)
    return doc.issue(path, *_describe(error))


def _extra_keys(error: ValidationError) -> list[str]:
    allowed = error.schema.get("properties", {})
    return sorted(k for k in error.instance if k not in allowed)


def _unknown_key(doc: Located, path: tuple[Any, ...], key: str, where: dict[str, Any]) -> ConfigIssue:
    allowed = sorted(where.get("properties", {}))
    guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean `{guess[0]}`?" if guess else f"allowed keys here: {', '.join(allowed)}"
    return doc.issue((*path, key), f"unknown key `{key}`", hint, key=True)


def _missing_key(doc: Located, path: tuple[Any, ...], error: ValidationError) -> ConfigIssue:
    missing = error.message.split("'")[1]
    field = resolve_ref(error.schema.get("properties", {}).get(missing, {}))
    example = field.get("examples", [None])[0]
    hint = field.get("description", "")
    if example is not None:
        hint += f" For example: `{missing}: {json.dumps(example, default=str)}`"
    file, line, col = doc.locate(path)
    return ConfigIssue(file, line, col, key_path((*path, missing)), f"missing required key `{missing}`", hint.strip())


def _describe(error: ValidationError) -> tuple[str, str]:
    """(what is wrong, how to fix it) for every keyword the schemas use."""
    field, value, rule = error.schema, error.instance, error.validator_value
    shown = "the value" if field.get("x-secret") else f"`{_short(value)}`"
    describe = {
        "type": lambda: (f"expected {_TYPE_WORDS.get(rule, rule)}, got {_kind(value)}", _type_hint(rule, value)),
        "enum": lambda: (f"{shown} is not one of the allowed values", _enum_hint(value, rule)),
        "const": lambda: (f"must be {json.dumps(rule)}", f"write `{json.dumps(rule)}`"),
        "pattern": lambda: (f"{shown} does not have the expected form", field.get("description", "")),
        "format": lambda: (f"{shown} is not a valid {rule}", "write it as YYYY-MM-DD, e.g. 2026-01-31"),
        "minLength": lambda: ("is too short" if value else "must not be empty", field.get("description", "")),
        "maxLength": lambda: (f"is too long (at most {rule} characters)", "shorten it"),
        "minItems": lambda: (f"needs at least {rule} item(s)", field.get("description", "")),
        "maxItems": lambda: (f"has more than {rule} items", "remove some"),
        "uniqueItems": lambda: ("lists the same item twice", "remove the duplicate"),
        "minimum": lambda: (f"must be at least {rule}", field.get("description", "")),
        "maximum": lambda: (f"must be at most {rule}", field.get("description", "")),
        "minProperties": lambda: ("must not be empty", field.get("description", "")),
    }
    message, hint = describe.get(error.validator, lambda: (error.message, ""))()
    return message, hint


def _type_hint(expected: str | list[str], value: Any) -> str:
    if expected == "boolean" and isinstance(value, str) and value.lower() in _YAML11_BOOLEANS:
        return f"write true or false (`{value}` is read as text)"
    if expected == "string" and not isinstance(value, (dict, list)):
        return "put the value in double quotes"
    if expected == "object":
        return "indent the keys below this one, one `key: value` per line"
    if expected == "array":
        return "write a list, e.g. `[a, b]` or one `- item` per line"
    return f"write {_TYPE_WORDS.get(str(expected), expected)}"


def _enum_hint(value: Any, allowed: list[Any]) -> str:
    guesses = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=3, cutoff=0.6)
    if not guesses and isinstance(value, str):
        guesses = [a for a in map(str, allowed) if a.lower() == value.lower()]
    parts = [f"did you mean {' or '.join(f'`{g}`' for g in guesses)}?"] if guesses else []
    if len(allowed) <= SMALL_SET:
        parts.append(f"allowed: {', '.join(map(str, allowed))}")
    elif not guesses:
        parts.append("see the list in schemas/merchant.schema.json")
    return "; ".join(parts)


def resolve_ref(field: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref`, so descriptions, defaults and examples of referenced definitions are found."""
    ref = field.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return {**schema("merchant")["$defs"][ref.rsplit("/", 1)[1]], **{k: v for k, v in field.items() if k != "$ref"}}
    return field


def secret_paths(data: Any, prefix: tuple[Any, ...] = (), node: dict[str, Any] | None = None) -> set[tuple[Any, ...]]:
    """Paths of the secret-bearing fields (`x-secret` in the merchant schema) present in `data`."""
    node = resolve_ref(node if node is not None else schema("merchant"))
    if node.get("x-secret"):
        return {prefix}
    if not isinstance(data, dict):
        return set()
    found: set[tuple[Any, ...]] = set()
    for key, prop in node.get("properties", {}).items():
        if key in data:
            found |= secret_paths(data[key], (*prefix, key), prop)
    return found


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "nothing (an empty value)"
    return {str: "text", int: "a number", dict: "a mapping", list: "a list"}.get(type(value), "a number")


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= limit else text[: limit - 1] + "…"
