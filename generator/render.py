"""The two Jinja environments and the escaping filters every user string goes through.

Generator templates (generator/templates/) use Jinja's usual delimiters. dbt templates
(dbt_templates/) are dbt SQL, which is itself Jinja, so they use `[[ ]]`, `[% %]` and `[# #]`: dbt's
own `{{ ref(...) }}` passes through untouched and the two languages never clash. Both environments
are sandboxed, strict about undefined names, and see only the view they are given.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = Path(__file__).resolve().parent.parent
GENERATOR_TEMPLATES = Path(__file__).resolve().parent / "templates"
DBT_TEMPLATES = ROOT / "dbt_templates"

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# Characters that may stand inside a SQL string literal on both DuckDB and BigQuery. Everything else
# (quotes, backslashes, braces that dbt's Jinja would render, control and non-ASCII characters) is
# spelled as chr(n), which both dialects evaluate to the same character.
_SQL_SAFE = re.compile(r"[A-Za-z0-9 .,:;_()/@&+=!?*^~|<>\[\]$-]+")


def py_literal(value: Any) -> str:
    """A Python literal that evaluates to `value` (str, int, bool, None, and lists/tuples/dicts of them)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(py_literal(v) for v in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else (
            f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


def sql_string(value: str) -> str:
    """A SQL expression equal to `value` on DuckDB and BigQuery, immune to quoting and to dbt's Jinja."""
    parts, pos = [], 0
    for match in _SQL_SAFE.finditer(value):
        parts += [f"chr({ord(c)})" for c in value[pos:match.start()]]
        parts.append(f"'{match.group()}'")
        pos = match.end()
    parts += [f"chr({ord(c)})" for c in value[pos:]]
    if not parts:
        return "''"
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def sql_identifier(value: str) -> str:
    """An unquoted identifier; refuses anything but lower-case letters, digits and underscores."""
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(f"not a safe SQL identifier: {value!r}")
    return value


def json_value(value: Any) -> str:
    """A JSON (and therefore YAML flow) scalar or collection, deterministic and fully escaped."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True)


_FILTERS = {"py": py_literal, "sql_string": sql_string, "sql_identifier": sql_identifier, "json": json_value}


def _environment(directory: Path, **delimiters: str) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(directory), undefined=StrictUndefined, autoescape=False,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, **delimiters)
    env.filters.update(_FILTERS)
    return env


@cache
def generator_env() -> ImmutableSandboxedEnvironment:
    return _environment(GENERATOR_TEMPLATES)


@cache
def dbt_env() -> ImmutableSandboxedEnvironment:
    return _environment(DBT_TEMPLATES, variable_start_string="[[", variable_end_string="]]",
                        block_start_string="[%", block_end_string="%]",
                        comment_start_string="[#", comment_end_string="#]")


def render(template: str, view: dict[str, Any], *, dbt: bool = False) -> str:
    env = dbt_env() if dbt else generator_env()
    return env.get_template(template).render(view)
