"""The semantic stage: rules JSON Schema cannot express (credentials, cron, cross-field and cross-store)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from croniter import croniter

from generator.config.merge import Located
from generator.errors import ConfigIssue

SECRET_PREFIX = "secret:"
_SECRET_HINT = ("never paste credentials into config: store the value as a secret "
                "(environment variable ECOMM_SECRET_<NAME>, an Airflow Variable or GCP Secret Manager) "
                "and write `secret:NAME` here")
_CREDENTIALS = [
    (re.compile(r"shp(at|ca|pa|ss)_[0-9a-fA-F]{16,}"), "a Shopify access token"),
    (re.compile(r"EAA[A-Za-z0-9]{20,}"), "a Meta access token"),
    (re.compile(r"ya29\.[0-9A-Za-z_-]{10,}"), "a Google OAuth access token"),
    (re.compile(r"1//[0-9A-Za-z_-]{20,}"), "a Google OAuth refresh token"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"AKIA[0-9A-Z]{16}"), "an AWS access key"),
]


def secret_env_name(reference: str) -> str:
    """The environment variable that the generated runtime's `secret()` reads first for `secret:NAME`."""
    return "ECOMM_SECRET_" + reference.removeprefix(SECRET_PREFIX).upper().replace("-", "_")


def credential_issues(doc: Located, secret_paths: set[tuple[Any, ...]]
                      ) -> tuple[list[ConfigIssue], frozenset[tuple[Any, ...]]]:
    """Values that look like pasted credentials, anywhere in the file (never echoed back), and their paths."""
    issues, paths = [], set()
    for path, value, is_key in _strings(doc.data, ()):
        kind = next((label for pattern, label in _CREDENTIALS if pattern.search(value)), None)
        if kind is None and path in secret_paths and not value.startswith(SECRET_PREFIX) and _looks_random(value):
            kind = "a credential"
        if kind:
            shown = path[:-1] if is_key else path  # a pasted key must not reappear in the key path
            issues.append(doc.issue(path, f"this looks like {kind} pasted into the file", _SECRET_HINT,
                                    key=is_key, shown=shown))
            paths.add(path)
    return issues, frozenset(paths)


def semantic_issues(doc: Located, expected_slug: str) -> list[ConfigIssue]:
    """Cross-field rules for one store, run only after its schema check passed."""
    data, issues = doc.data, []
    if data["merchant"] != expected_slug:
        issues.append(doc.issue(("merchant",),
                                f"`{data['merchant']}` does not match the file name `{expected_slug}.yaml`",
                                f"rename the file to {data['merchant']}.yaml or write `merchant: {expected_slug}`"))
    schedule = data.get("schedule")
    if schedule is not None and (len(schedule.split()) != 5 or not croniter.is_valid(schedule)):
        issues.append(doc.issue(("schedule",), f"`{schedule}` is not a valid cron expression",
                          "use five fields: minute hour day-of-month month day-of-week, e.g. \"0 6 * * *\""))
    if not data.get("sandbox") and "project" not in data.get("warehouse", {}).get("bigquery", {}):
        issues.append(doc.issue(("warehouse",), "a production store needs a BigQuery project",
                          "set warehouse.bigquery.project (or in config/agency.yaml defaults), or `sandbox: true`"))
    return issues


def cross_store_issues(stores: dict[str, Located], prefixes: dict[str, str]) -> list[tuple[str, ConfigIssue]]:
    """Isolation between stores: no two stores may share datasets or a Shopify shop. (slug, issue) pairs."""
    issues = []
    for label, values, path in (("dataset prefix", prefixes, ("warehouse", "dataset_prefix")),
                                ("Shopify shop", _shops(stores), ("sources", "shopify", "shop"))):
        counts = Counter(values.values())
        for slug, value in sorted(values.items()):
            if counts[value] > 1:
                others = sorted(s for s, v in values.items() if v == value and s != slug)
                issue = stores[slug].issue(path, f"{label} `{value}` is also used by {', '.join(others)}",
                                           "each store needs its own, so data and state never mix", in_store=True)
                issues.append((slug, issue))
    return issues


def _shops(stores: dict[str, Located]) -> dict[str, str]:
    return {slug: doc.data["sources"]["shopify"]["shop"] for slug, doc in stores.items()
            if "shopify" in doc.data["sources"]}


def _looks_random(value: str) -> bool:
    """Long, high-entropy text: what a token looks like, and what a secret name does not."""
    if len(value) < 20 or " " in value:
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy > 3.5


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str, bool]]:
    """Every text in `value`, keys included: (path, text, is_key)."""
    if isinstance(value, str):
        yield path, value, False
    elif isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key), key, True
            yield from _strings(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _strings(child, (*path, index))
