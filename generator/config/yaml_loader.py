"""Defensive YAML: safe parsing, positions for every node, no YAML 1.1 surprises.

Config files are data written by people who may not know YAML's traps, so this loader:
- builds values from PyYAML's node graph itself (nothing is ever constructed from tags);
- rejects anchors, aliases and explicit tags (no alias bombs, no `!!python/...`);
- rejects duplicate keys and non-text keys;
- resolves plain scalars by a small, deliberate rule set (see `_plain_scalar`): `yes`/`no`/`on`/`off`
  and dates stay text, `010` is an error instead of a silent octal or ten, decimals are `Decimal`;
- records the line and column of every key and value, so later stages can point at them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml
import yaml.reader
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.errors import ConfigError, ConfigIssue

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32

Path = tuple[str | int, ...]

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DECIMAL = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class LoadedDoc:
    """A parsed file: plain data plus the 1-based (line, column) of every value and key."""

    file: str
    data: Any
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """The position of `path`, or of its nearest located ancestor (a missing key points at its parent)."""
        table = self.key_positions if key else self.positions
        while path not in table and path:
            path = path[:-1]
            table = self.positions
        return table.get(path, (1, 1))


class _Reject(Exception):
    def __init__(self, mark: yaml.Mark | None, message: str, hint: str):
        self.mark, self.message, self.hint = mark, message, hint


class _StrictComposer(yaml.SafeLoader):
    """SafeLoader whose composer refuses anchors, aliases, explicit tags and runaway nesting."""

    _depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise _Reject(event.start_mark, "anchors and aliases (&name, *name) are not supported",
                          "write the value out, or put shared values under `defaults` in config/agency.yaml")
        if isinstance(event, (ScalarEvent, CollectionStartEvent)) and event.tag not in (None, "!"):
            raise _Reject(event.start_mark, f"YAML tags like `{event.tag}` are not allowed",
                          "remove the tag; config files hold plain values only")
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Reject(event.start_mark, f"the file is nested more than {MAX_DEPTH} levels deep",
                          "store configs are only a few levels deep; check the indentation")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(raw: bytes, file: str) -> LoadedDoc:
    """Parse one config file, or raise `ConfigError` with a located, plain-language issue."""
    text = _decode(raw, file)
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise _issue(file, 1, 1, "the file is empty",
                     "start from an example such as config/merchants/demo-store.yaml")
    try:
        node = _compose(text)
    except _Reject as err:
        line, col = _mark(err.mark)
        raise _issue(file, line, col, err.message, err.hint) from None
    except yaml.MarkedYAMLError as err:
        raise _syntax_issue(file, err) from None
    except yaml.reader.ReaderError as err:  # control characters and the like
        line, col = _offset_position(text, err.position)
        raise _issue(file, line, col, f"the file contains a character YAML does not allow ({err.character!r})",
                     "remove it, or save the file as plain UTF-8 text") from None
    if node is None:  # only comments, byte-order marks or directives
        raise _issue(file, 1, 1, "the file is empty",
                     "start from an example such as config/merchants/demo-store.yaml")
    doc = LoadedDoc(file, None)
    try:
        data = _build(node, (), doc)
    except _Reject as err:
        raise _issue(file, *_mark(err.mark), err.message, err.hint) from None
    doc.positions[()] = (1, 1)  # what is missing from the whole file is reported at its start
    return LoadedDoc(file, data, doc.positions, doc.key_positions)


def _decode(raw: bytes, file: str) -> str:
    if len(raw) > MAX_BYTES:
        size = f"{len(raw) / 1e6:.1f} MB"
        raise _issue(file, 1, 1, f"the file is {size}; config files may be at most {MAX_BYTES // 1024} KB",
                     "a store's config is a few dozen lines; check that this is the right file")
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise _issue(file, line, col, "the file is not UTF-8 text (it may be binary or use another encoding)",
                     "save it as UTF-8 text in your editor") from None
    if "\x00" in text:
        line, col = _offset_position(text, text.index("\x00"))
        raise _issue(file, line, col, "the file contains NUL bytes (it looks binary)", "save it as plain UTF-8 text")
    return text


def _compose(text: str) -> Node:
    loader = _StrictComposer(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    return node


def _build(node: Node, path: Path, doc: LoadedDoc) -> Any:
    doc.positions[path] = _mark(node.start_mark)
    if isinstance(node, MappingNode):
        return _build_mapping(node, path, doc)
    if isinstance(node, SequenceNode):
        return [_build(item, (*path, i), doc) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    if _SURROGATE.search(node.value):
        raise _Reject(node.start_mark, "the text contains half of a character (a lone \\uD800–\\uDFFF escape)",
                      "write the character itself, or escape it whole as \\U0001F680")
    return node.value if node.style else _plain_scalar(node)


def _build_mapping(node: MappingNode, path: Path, doc: LoadedDoc) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            raise _Reject(key_node.start_mark, "keys must be plain names", "write `name: value`")
        key = key_node.value
        if key in result:
            first_line = doc.key_positions[(*path, key)][0]
            raise _Reject(key_node.start_mark, f"duplicate key `{key}` (first defined on line {first_line})",
                          "keep one of them; YAML would silently use only the last")
        doc.key_positions[(*path, key)] = _mark(key_node.start_mark)
        result[key] = _build(value_node, (*path, key), doc)
    return result


def _plain_scalar(node: ScalarNode) -> Any:
    """Resolve an unquoted scalar. Anything not listed here stays text (dates, yes/no, on/off, 0x1F)."""
    value = node.value
    if value in _NULL:
        return None
    if value in _TRUE or value in _FALSE:
        return value in _TRUE
    if _INT.fullmatch(value):
        return int(value)
    if _LEADING_ZERO.fullmatch(value):
        raise _Reject(node.start_mark, f"`{value}` is ambiguous: YAML may read it as an octal number",
                      f"write {int(value)} for the number, or \"{value}\" in quotes for text")
    if _DECIMAL.fullmatch(value):
        return Decimal(value)
    return value


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _mark(mark: yaml.Mark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _syntax_issue(file: str, err: yaml.MarkedYAMLError) -> ConfigError:
    mark = err.problem_mark or err.context_mark
    line, col = _mark(mark)
    problem = err.problem or "invalid YAML"
    if "'\\t'" in problem or "\\t" in problem:
        return _issue(file, line, col, "a tab character is used for indentation",
                      "YAML needs spaces: replace the tab with spaces")
    if "expected a single document" in str(err):
        return _issue(file, line, col, "the file holds more than one YAML document (`---`)",
                      "keep one store per file")
    return _issue(file, line, col, f"YAML syntax error: {problem}",
                  "check the indentation and the `key: value` form near this line")


def _issue(file: str, line: int, col: int, message: str, hint: str) -> ConfigError:
    return ConfigError([ConfigIssue(file, line, col, "", message, hint)])
