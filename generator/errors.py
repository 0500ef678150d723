"""Errors as data: the core returns `ConfigIssue`s and raises `UserError`s; only the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ConfigIssue:
    """One problem in one config file, located and explained for a non-coder."""

    file: str
    line: int
    column: int
    key_path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        key = f" {self.key_path}:" if self.key_path else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}:{key} {self.message}{hint}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "key_path": self.key_path,
            "message": self.message,
            "hint": self.hint,
        }


def key_path(path: tuple[object, ...]) -> str:
    """`sources.shopify.resources[1]` for ("sources", "shopify", "resources", 1)."""
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))


class UserError(Exception):
    """A problem the user can fix; the CLI shows its message (no traceback) and exits with `exit_code`."""

    exit_code = 1


class ConfigError(UserError):
    """One or more config files are invalid."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = sorted(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))
