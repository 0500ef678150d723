"""Invalid-config table: each case is a minimal variation of a valid store, with the exact issues it must yield.

Positions are 1-based and were computed by reading the YAML written here: a value's column is where the
value starts (the opening quote or bracket included), an unknown key is located at the key, and a missing
required key at its parent mapping (1:1 for the top level).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest

AGENCY = "config/agency.yaml"
STORE = "config/merchants/demo-store.yaml"
SECOND = "config/merchants/second-store.yaml"
SIBLING = "config/merchants/sibling-shop.yaml"

# A copy of config/agency.yaml (line numbers below refer to this text).
AGENCY_YAML = """\
# yaml-language-server: $schema=../schemas/agency.schema.json
# Defaults every store in config/merchants/ inherits. A store file overrides any of them:
# mappings merge key by key, lists and single values replace. `ecomm validate` checks both.
schema_version: 1
agency: Northwind Commerce

defaults:
  schedule: "0 6 * * *"        # every morning at 06:00 in each store's own time zone
  owner: northwind-data
  retries: 3
  warehouse:
    bigquery:
      project: northwind-analytics
      location: EU
  alerts:
    email: [data-alerts@northwind.example]
    on_failure: true
  sources:
    shopify:
      api_version: "2025-10"
"""

# A copy of config/merchants/demo-store.yaml. Line numbers:
#  4 schema_version   5 merchant   6 display_name   7 description   8 timezone   9 reporting_currency
# 10 start_date      11 sandbox   12 tags          13 warehouse     14   duckdb_path
# 15 sources         16   shopify  17     shop      18     api_version 19     access_token  20     resources
BASE = """\
# yaml-language-server: $schema=../../schemas/merchant.schema.json
# The sandbox store: `ecomm run demo-store` loads it from the bundled Shopify emulator into DuckDB.
# No credentials needed: in sandbox runs the token below is served by the emulator.
schema_version: 1
merchant: demo-store
display_name: Demo Store
description: A sandbox store selling mugs and tea in EUR to customers who pay in EUR, USD, GBP and CHF.
timezone: Europe/Berlin
reporting_currency: EUR
start_date: "2026-06-01"
sandbox: true
tags: [demo]
warehouse:
  duckdb_path: .ecomm/demo-store.duckdb
sources:
  shopify:
    shop: demo-store
    api_version: "2025-01"
    access_token: secret:demo-store-shopify-token
    resources: [orders, products, customers]
"""

AGENCY_HEADER = "".join(AGENCY_YAML.splitlines(keepends=True)[:3])
HEADER = "".join(BASE.splitlines(keepends=True)[:3])
# BASE without its three comment lines: the top-level mapping starts at 1:1, so line = BASE line - 3.
BARE = BASE[len(HEADER):]


def edit(old: str, new: str, text: str = BASE) -> str:
    """`text` with the one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def renamed(slug: str, text: str = BASE) -> str:
    """The store `text` under another slug (and so another shop, DuckDB file and dataset prefix)."""
    return text.replace("demo-store", slug)


SIBLING_YAML = renamed("sibling-shop")
SECOND_YAML = renamed("second-store")

# Pasted credentials (fake, but of the real shapes).
SHPAT = "shpat_" + "0123456789abcdef" * 2
SHPCA = "shpca_" + "fedcba9876543210" * 2
META = "EAABsbCS1iHgBAKZBZCiVZCZCZCr1ZCZAyZA7xQ"
GOOGLE = "ya29.a0AfH6SMBx3kL9_mQ-Zr7tYp2wVnq"
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
LOL = '"lol"'
HEX40 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{','.join([f'*{prev}' if prev else LOL] * 9)}]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
)
TEN_MB = 10 * 1024 * 1024


def ten_megabytes() -> bytes:
    """A 10 MB store file (valid YAML lines, far too many of them), made when the test runs."""
    line = b"# padding padding padding padding padding padding padding padding\n"
    return BASE.encode() + line * (TEN_MB // len(line) + 1)


class Expect(NamedTuple):
    file: str
    line: int | None
    column: int | None
    key_path: str | None  # None (like line/column None) only where a bug leaves the right value open
    message: tuple[str, ...]
    hint: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, bytes | str | Callable[[], bytes]]
    expect: list[Expect]
    invalid: tuple[str, ...] = ("demo-store",)
    agency_broken: bool = False  # the agency file (or a default in it) is bad: the valid sibling is rejected too
    secret: str | None = None  # must not appear in any issue
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())


def build_tree(root: Path, files: dict[str, bytes | str | Callable[[], bytes]]) -> Path:
    """Write `files` (paths relative to `root`) and return `root`; config/merchants always exists."""
    (root / "config" / "merchants").mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content = content()
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def store(text: str | bytes | Callable[[], bytes], agency: str | None = AGENCY_YAML,
          **more: str) -> dict[str, bytes | str | Callable[[], bytes]]:
    """A tree with the store file `text` and, unless None, the agency file."""
    files: dict[str, bytes | str | Callable[[], bytes]] = {STORE: text}
    if agency is not None:
        files[AGENCY] = agency
    files.update({f"config/merchants/{slug}.yaml": body for slug, body in more.items()})
    return files


def E(line: int, col: int, key_path: str, *message: str, hint: tuple[str, ...] = (), file: str = STORE) -> Expect:
    return Expect(file, line, col, key_path, message, hint)


def _missing(key: str) -> Case:
    """BARE without the top-level `key` (and its block). BARE starts at 1:1: the top level is unambiguous."""
    lines = BARE.splitlines(keepends=True)
    if key == "sources":  # the last block of the file
        lines = lines[: lines.index("sources:\n")]
    else:
        lines = [ln for ln in lines if not ln.startswith(f"{key}:")]
    return Case(f"missing_{key}", store("".join(lines)),
                [E(1, 1, key, f"missing required key `{key}`", hint=("For example",))])


AGENCY_NO_WAREHOUSE = edit("""\
  warehouse:
    bigquery:
      project: northwind-analytics
      location: EU
""", "", AGENCY_YAML)
AGENCY_EU_ONLY = edit("      project: northwind-analytics\n", "", AGENCY_YAML)  # warehouse without a project
NO_WAREHOUSE = edit("warehouse:\n  duckdb_path: .ecomm/demo-store.duckdb\n", "")


CASES: list[Case] = [
    # --- misspelt keys -------------------------------------------------------------------------------------
    Case("misspelt_top_level_key", store(edit("display_name: Demo", "dispaly_name: Demo")),
         [E(6, 1, "dispaly_name", "unknown key `dispaly_name`", hint=("did you mean `display_name`?",))]),
    Case("misspelt_nested_key", store(edit("    shop: demo-store", "    shopp: demo-store")),
         [E(17, 5, "sources.shopify.shopp", "unknown key `shopp`", hint=("did you mean `shop`?",)),
          E(17, 5, "sources.shopify.shop", "missing required key `shop`", hint=("myshopify",))]),
    Case("misspelt_warehouse_key", store(edit("  duckdb_path:", "  duckdb_pth:")),
         [E(14, 3, "warehouse.duckdb_pth", "unknown key `duckdb_pth`", hint=("did you mean `duckdb_path`?",))]),
    Case("misspelt_source_type", store(edit("  shopify:", "  shopfy:")),
         [E(16, 3, "sources.shopfy", "unknown key `shopfy`", hint=("did you mean `shopify`?",))]),
    Case("unknown_key_without_close_match", store(edit("sandbox: true\n", "sandbox: true\nzzzz: 1\n")),
         [E(12, 1, "zzzz", "unknown key `zzzz`", hint=("allowed keys here:", "display_name", "sources"))]),
    # --- misspelt enum values ------------------------------------------------------------------------------
    Case("misspelt_timezone", store(edit("Europe/Berlin", "Europe/Berln")),
         [E(8, 11, "timezone", "`Europe/Berln` is not one of the allowed values",
            hint=("did you mean", "`Europe/Berlin`"))]),
    Case("unknown_timezone", store(edit("Europe/Berlin", "Mars/Olympus_Mons")),
         [E(8, 11, "timezone", "`Mars/Olympus_Mons` is not one of the allowed values")]),
    Case("fixed_offset_timezone", store(edit("timezone: Europe/Berlin", 'timezone: "+01:00"')),
         [E(8, 11, "timezone", "is not one of the allowed values")]),
    Case("currency_lower_case", store(edit("reporting_currency: EUR", "reporting_currency: eur")),
         [E(9, 21, "reporting_currency", "`eur` is not one of the allowed values", hint=("did you mean `EUR`?",))]),
    Case("unknown_currency", store(edit("reporting_currency: EUR", "reporting_currency: EUX")),
         [E(9, 21, "reporting_currency", "`EUX` is not one of the allowed values")]),
    Case("misspelt_resource", store(edit("[orders, products,", "[orders, prodcts,")),
         [E(20, 25, "sources.shopify.resources[1]", "`prodcts` is not one of the allowed values",
            hint=("did you mean `products`?", "allowed: orders, products, customers"))]),
    Case("misspelt_bigquery_location", store(edit("  duckdb_path:", "  bigquery:\n    location: eu\n  duckdb_path:")),
         [E(15, 15, "warehouse.bigquery.location", "`eu` is not one of the allowed values", hint=("`EU`",))]),
    # --- wrong types ---------------------------------------------------------------------------------------
    Case("quoted_true_for_boolean", store(edit("sandbox: true", 'sandbox: "true"')),
         [E(11, 10, "sandbox", "expected true or false, got text", hint=("true or false",))]),
    Case("yes_for_boolean", store(edit("sandbox: true", "sandbox: yes")),
         [E(11, 10, "sandbox", "expected true or false, got text",
            hint=("write true or false", "`yes` is read as text"))]),
    Case("no_for_boolean", store(edit("sandbox: true", "sandbox: no")),
         [E(11, 10, "sandbox", "expected true or false", hint=("true or false", "`no`"))]),
    Case("on_for_nested_boolean", store(BASE + "alerts:\n  on_retry: on\n"),
         [E(22, 13, "alerts.on_retry", "expected true or false, got text", hint=("true or false", "`on`"))]),
    Case("number_for_text", store(edit("display_name: Demo Store", "display_name: 42")),
         [E(6, 15, "display_name", "expected text, got a number", hint=("double quotes",))]),
    Case("null_for_text", store(edit("display_name: Demo Store", "display_name:")),
         [E(6, 14, "display_name", "expected text, got nothing")]),
    Case("empty_text", store(edit("display_name: Demo Store", 'display_name: ""')),
         [E(6, 15, "display_name", "must not be empty")]),
    Case("text_for_integer", store(edit("sandbox: true\n", 'sandbox: true\nretries: "3"\n')),
         [E(12, 10, "retries", "expected a whole number, got text")]),
    Case("decimal_for_integer", store(edit("sandbox: true\n", "sandbox: true\nretries: 2.5\n")),
         [E(12, 10, "retries", "expected a whole number")]),
    Case("integer_out_of_range", store(edit("sandbox: true\n", "sandbox: true\nretries: 11\n")),
         [E(12, 10, "retries", "must be at most 10")]),
    Case("list_for_mapping", store(edit("warehouse:\n  duckdb_path: .ecomm/demo-store.duckdb",
                                        "warehouse: [.ecomm/demo-store.duckdb]")),
         [E(13, 12, "warehouse", "expected a mapping of `key: value` lines, got a list", hint=("indent the keys",))]),
    Case("mapping_for_list", store(edit("tags: [demo]", "tags: {demo: true}")),
         [E(12, 7, "tags", "expected a list, got a mapping", hint=("write a list",))]),
    Case("text_for_list", store(edit("resources: [orders, products, customers]", "resources: orders")),
         [E(20, 16, "sources.shopify.resources", "expected a list, got text")]),
    Case("empty_sources", store(edit("sources:\n  shopify:\n    shop: demo-store\n    api_version: \"2025-01\"\n"
                                     "    access_token: secret:demo-store-shopify-token\n"
                                     "    resources: [orders, products, customers]\n", "sources: {}\n")),
         [E(15, 10, "sources", "must not be empty")]),
    Case("duplicate_tag", store(edit("tags: [demo]", "tags: [demo, demo]")),
         [E(12, 7, "tags", "lists the same item twice")]),
    Case("bad_email", store(BASE + "alerts:\n  email: [data-team.example.com]\n"),
         [E(22, 11, "alerts.email[0]", "`data-team.example.com` does not have the expected form")]),
    Case("bad_api_version", store(edit('api_version: "2025-01"', 'api_version: "2025-02"')),
         [E(18, 18, "sources.shopify.api_version", "`2025-02` does not have the expected form",
            hint=("quarterly",))]),
    # --- YAML syntax and YAML traps ------------------------------------------------------------------------
    Case("tab_indentation", store(edit("  duckdb_path:", "\tduckdb_path:")),
         [E(14, 1, "", "a tab character is used for indentation", hint=("spaces",))]),
    Case("duplicate_top_level_key",
         store(edit("timezone: Europe/Berlin\n", "display_name: Again\ntimezone: Europe/Berlin\n")),
         [E(8, 1, "", "duplicate key `display_name` (first defined on line 6)", hint=("keep one",))]),
    Case("duplicate_nested_key", store(edit("    shop: demo-store\n", "    shop: demo-store\n    shop: other-shop\n")),
         [E(18, 5, "", "duplicate key `shop` (first defined on line 17)")]),
    Case("leading_zero_number", store(edit("sandbox: true\n", "sandbox: true\nretries: 010\n")),
         [E(12, 10, "", "`010` is ambiguous", "octal", hint=("write 10 for the number", '"010" in quotes'))]),
    Case("explicit_python_tag",
         store(edit("display_name: Demo Store", 'display_name: !!python/object/apply:os.system ["echo pwned"]')),
         [E(6, 15, "", "YAML tags like", "python/object/apply:os.system", "are not allowed")]),
    Case("anchor_and_merge_key", store(edit("warehouse:\n", "warehouse: &wh\n") + "alerts:\n  <<: *wh\n"),
         [E(13, 12, "", "anchors and aliases (&name, *name) are not supported")]),
    Case("merge_key_without_alias", store(edit("    shop: demo-store", "    <<: {shop: demo-store}")),
         [E(17, 5, "", "keys must be plain names")]),
    Case("billion_laughs", store(BASE + BILLION_LAUGHS),
         [E(21, 4, "", "anchors and aliases")], marks=(pytest.mark.timeout(5),)),
    Case("multi_document", store(BASE + "---\nschema_version: 1\n"),
         [E(21, 1, "", "more than one YAML document", hint=("one store per file",))]),
    Case("deeply_nested_junk", store(edit("display_name: Demo Store", "display_name: " + "[" * 40 + "]" * 40)),
         [E(6, 46, "", "nested more than 32 levels deep")]),
    Case("unclosed_flow_list", store(edit("tags: [demo]", "tags: [demo")),
         [E(13, 10, "", "YAML syntax error", hint=("indentation",))]),
    # --- not a YAML mapping at all -------------------------------------------------------------------------
    Case("empty_file", store(b""), [E(1, 1, "", "the file is empty", hint=("demo-store.yaml",))]),
    Case("whitespace_and_comments_only", store("# nothing yet\n   \n\t\n  # still nothing\n"),
         [E(1, 1, "", "the file is empty")]),
    Case("binary_junk", store(b"schema_version: 1\nmerchant: \xc3\x28\xa0\xa1junk\n"),
         [E(2, 11, "", "not UTF-8 text")]),
    Case("bom_then_binary_junk", store(b"\xef\xbb\xbfschema_version: 1\nmerchant: \xc3\x28\xa0\xa1junk\n"),
         [E(2, 11, "", "not UTF-8 text")]),
    Case("second_bom_before_comment", store(b"\xef\xbb\xbf\xef\xbb\xbf# a store, some day\n"),
         [E(1, 1, "", "empty")]),
    Case("png_header", store(PNG), [E(1, 1, "", "not UTF-8 text", hint=("UTF-8",))]),
    Case("nul_bytes", store(b"schema_version: 1\nmerchant: demo\x00store\n"),
         [E(2, 15, "", "NUL bytes")]),
    Case("control_character", store(edit("display_name: Demo Store", "display_name: Demo\x07Store")),
         [E(6, 19, "", "a character YAML does not allow")]),
    Case("ten_megabyte_file", store(ten_megabytes),
         [E(1, 1, "", "10.5 MB", "at most 256 KB")], marks=(pytest.mark.timeout(5),)),
    Case("top_level_list", store("- schema_version: 1\n- merchant: demo-store\n"),
         [E(1, 1, "", "expected a mapping", "got a list")]),
    Case("top_level_scalar", store("just some text\n"),
         [E(1, 1, "", "expected a mapping", "got text")]),
    # --- missing required fields (one case each) ----------------------------------------------------------
    *[_missing(key) for key in ("schema_version", "merchant", "display_name", "timezone",
                                "reporting_currency", "start_date", "sources")],
    Case("missing_key_below_comment_header", store(edit("timezone: Europe/Berlin\n", "")),
         [E(1, 1, "timezone", "missing required key `timezone`")]),
    Case("missing_shop", store(edit("    shop: demo-store\n", "")),
         [E(17, 5, "sources.shopify.shop", "missing required key `shop`", hint=("acme-store",))]),
    Case("missing_access_token", store(edit("    access_token: secret:demo-store-shopify-token\n", "")),
         [E(17, 5, "sources.shopify.access_token", "missing required key `access_token`", hint=("secret:",))]),
    # --- values with rules of their own ----------------------------------------------------------------------
    Case("cron_four_fields", store(edit("sandbox: true\n", 'sandbox: true\nschedule: "0 6 * *"\n')),
         [E(12, 11, "schedule", "`0 6 * *` is not a valid cron expression", hint=("five fields",))]),
    Case("cron_six_fields", store(edit("sandbox: true\n", 'sandbox: true\nschedule: "0 0 6 * * *"\n')),
         [E(12, 11, "schedule", "is not a valid cron expression")]),
    Case("cron_minute_61", store(edit("sandbox: true\n", 'sandbox: true\nschedule: "61 6 * * *"\n')),
         [E(12, 11, "schedule", "`61 6 * * *` is not a valid cron expression")]),
    Case("cron_garbage", store(edit("sandbox: true\n", "sandbox: true\nschedule: every morning at six\n")),
         [E(12, 11, "schedule", "is not a valid cron expression")]),
    Case("start_date_month_13", store(edit('start_date: "2026-06-01"', 'start_date: "2026-13-01"')),
         [E(10, 13, "start_date", "`2026-13-01` is not a valid date", hint=("YYYY-MM-DD",))]),
    Case("start_date_slashes", store(edit('start_date: "2026-06-01"', "start_date: 2026/01/01")),
         [E(10, 13, "start_date", "`2026/01/01` does not have the expected form", hint=("YYYY-MM-DD",))]),
    Case("start_date_number", store(edit('start_date: "2026-06-01"', "start_date: 20260601")),
         [E(10, 13, "start_date", "expected text, got a number")]),
    Case("slug_not_file_name", store(edit("merchant: demo-store", "merchant: other-store")),
         [E(5, 11, "merchant", "`other-store` does not match the file name `demo-store.yaml`",
            hint=("rename the file to other-store.yaml", "`merchant: demo-store`"))]),
    Case("slug_upper_case", store(edit("merchant: demo-store", "merchant: Demo-Store")),
         [E(5, 11, "merchant", "`Demo-Store` does not have the expected form", hint=("lower-case",))]),
    Case("slug_underscore", store(edit("merchant: demo-store", "merchant: demo_store")),
         [E(5, 11, "merchant", "`demo_store` does not have the expected form")]),
    Case("schema_version_2", store(edit("schema_version: 1", "schema_version: 2")),
         [E(4, 17, "schema_version", "must be 1", hint=("write `1`",))]),
    Case("production_without_bigquery_project",
         store(edit("sandbox: true", "sandbox: false"), agency=AGENCY_NO_WAREHOUSE),
         [E(14, 3, "warehouse", "a production store needs a BigQuery project", hint=("warehouse.bigquery.project",))]),
    Case("production_by_default_without_project", store(edit("sandbox: true\n", ""), agency=None),
         [E(13, 3, "warehouse", "a production store needs a BigQuery project", hint=("sandbox: true",))]),
    Case("production_with_inherited_warehouse_without_project",
         store(edit("sandbox: true", "sandbox: false", NO_WAREHOUSE), agency=AGENCY_EU_ONLY),
         [E(12, 5, "warehouse", "a production store needs a BigQuery project", file=AGENCY)]),
    # --- pasted credentials (the value must never be echoed) -----------------------------------------------
    Case("shopify_shpat_token", store(edit("secret:demo-store-shopify-token", SHPAT)),
         [E(19, 19, "sources.shopify.access_token", "looks like a Shopify access token pasted into the file",
            hint=("secret:NAME", "ECOMM_SECRET_"))], secret=SHPAT),
    Case("shopify_shpca_token", store(edit("secret:demo-store-shopify-token", SHPCA)),
         [E(19, 19, "sources.shopify.access_token", "looks like a Shopify access token")], secret=SHPCA),
    Case("meta_token", store(edit("secret:demo-store-shopify-token", META)),
         [E(19, 19, "sources.shopify.access_token", "looks like a Meta access token")], secret=META),
    Case("google_oauth_token", store(edit("secret:demo-store-shopify-token", f'"{GOOGLE}"')),
         [E(19, 19, "sources.shopify.access_token", "looks like a Google OAuth access token")], secret=GOOGLE),
    Case("pem_private_key", store(edit("secret:demo-store-shopify-token\n",
                                       f"|\n      -----BEGIN PRIVATE KEY-----\n      {PEM_BODY}\n"
                                       "      -----END PRIVATE KEY-----\n")),
         [E(19, 19, "sources.shopify.access_token", "looks like a private key")], secret=PEM_BODY),
    Case("random_hex_token", store(edit("secret:demo-store-shopify-token", HEX40)),
         [E(19, 19, "sources.shopify.access_token", "looks like a credential pasted into the file",
            hint=("never paste credentials",))], secret=HEX40),
    Case("token_in_display_name", store(edit("display_name: Demo Store", f"display_name: {SHPAT}")),
         [E(6, 15, "display_name", "looks like a Shopify access token")], secret=SHPAT),
    Case("token_in_agency_defaults", store(BASE, agency=edit("owner: northwind-data", f"owner: {SHPAT}", AGENCY_YAML)),
         [E(9, 10, "defaults.owner", "looks like a Shopify access token", file=AGENCY)],
         invalid=("demo-store", "sibling-shop"), agency_broken=True, secret=SHPAT),
    Case("token_as_key", store(edit("display_name: Demo", f"{SHPAT}: 1\ndisplay_name: Demo")),
         [Expect(STORE, 6, 1, None, ("looks like a Shopify access token",))], secret=SHPAT),
    # --- agency defaults -----------------------------------------------------------------------------------
    Case("bad_timezone_in_agency_defaults",
         store(edit("timezone: Europe/Berlin\n", ""),
               agency=edit("defaults:\n", "defaults:\n  timezone: Europe/Berln\n", AGENCY_YAML)),
         [E(8, 13, "defaults.timezone", "`Europe/Berln` is not one of the allowed values", file=AGENCY,
            hint=("`Europe/Berlin`",))],
         invalid=("demo-store", "sibling-shop"), agency_broken=True),
    Case("bad_cron_in_agency_defaults",  # valid for the agency schema; every store inheriting it fails
         store(BASE, agency=edit('"0 6 * * *"', '"61 6 * * *"', AGENCY_YAML)),
         [E(8, 13, "schedule", "`61 6 * * *` is not a valid cron expression", file=AGENCY)],
         invalid=("demo-store", "sibling-shop"), agency_broken=True),
    Case("agency_syntax_error", store(BASE, agency=edit("agency: Northwind Commerce", "agency: Northwind: Commerce",
                                                        AGENCY_YAML)),
         [E(5, 18, "", "YAML syntax error", "mapping values are not allowed here", file=AGENCY)],
         invalid=("demo-store", "sibling-shop"), agency_broken=True),
    Case("agency_misspelt_key", store(BASE, agency=edit("  owner:", "  ownr:", AGENCY_YAML)),
         [E(9, 3, "defaults.ownr", "unknown key `ownr`", file=AGENCY, hint=("did you mean `owner`?",))],
         invalid=("demo-store", "sibling-shop"), agency_broken=True),
    Case("agency_missing_name",  # header-less, so the top-level mapping starts at 1:1
         store(BASE, agency=edit("agency: Northwind Commerce\n", "", AGENCY_YAML[len(AGENCY_HEADER):])),
         [E(1, 1, "agency", "missing required key `agency`", file=AGENCY, hint=("Northwind Commerce",))],
         invalid=("demo-store", "sibling-shop"), agency_broken=True),
    # --- several stores ------------------------------------------------------------------------------------
    Case("shared_dataset_prefix",
         store(edit("  duckdb_path:", "  dataset_prefix: shared\n  duckdb_path:"),
               **{"second-store": edit("  duckdb_path:", "  dataset_prefix: shared\n  duckdb_path:", SECOND_YAML)}),
         [E(14, 19, "warehouse.dataset_prefix", "dataset prefix `shared` is also used by second-store"),
          E(14, 19, "warehouse.dataset_prefix", "dataset prefix `shared` is also used by demo-store", file=SECOND)],
         invalid=("demo-store", "second-store")),
    Case("implicit_dataset_prefix_clash",
         store(edit("  duckdb_path:", "  dataset_prefix: second_store\n  duckdb_path:"),
               **{"second-store": renamed("second-store", NO_WAREHOUSE)}),
         [E(14, 19, "warehouse.dataset_prefix", "dataset prefix `second_store` is also used by second-store"),
          Expect(SECOND, None, None, "warehouse.dataset_prefix", ("also used by demo-store",))],
         invalid=("demo-store", "second-store")),
    Case("shared_shopify_shop",
         store(BASE, **{"second-store": edit("    shop: second-store", "    shop: demo-store", SECOND_YAML)}),
         [E(17, 11, "sources.shopify.shop", "Shopify shop `demo-store` is also used by second-store"),
          E(17, 11, "sources.shopify.shop", "Shopify shop `demo-store` is also used by demo-store", file=SECOND)],
         invalid=("demo-store", "second-store")),
    Case("yml_extension", {AGENCY: AGENCY_YAML, "config/merchants/demo-store.yml": BASE},
         [Expect("config/merchants/demo-store.yml", 1, 1, "", ("store files must end in `.yaml`",),
                 ("rename it to config/merchants/demo-store.yaml",))]),
    # --- several problems in one file, all reported in one run ---------------------------------------------
    Case("many_schema_problems",
         store(edit("[orders, products,", "[orders, prodcts,",
                    edit("  duckdb_path:", "  duckdb_pth:",
                         edit("sandbox: true", "sandbox: yes",
                              edit("reporting_currency: EUR", "reporting_currency: eur",
                                   edit("Europe/Berlin", "Europe/Berln")))))),
         [E(8, 11, "timezone", "not one of the allowed values", hint=("`Europe/Berlin`",)),
          E(9, 21, "reporting_currency", "not one of the allowed values", hint=("`EUR`",)),
          E(11, 10, "sandbox", "expected true or false", hint=("`yes` is read as text",)),
          E(14, 3, "warehouse.duckdb_pth", "unknown key `duckdb_pth`", hint=("did you mean `duckdb_path`?",)),
          E(20, 25, "sources.shopify.resources[1]", "not one of the allowed values", hint=("`products`",))]),
    Case("many_semantic_problems",
         store(edit("sandbox: true\n", 'schedule: "61 * * * *"\n', edit("merchant: demo-store", "merchant: demo-shop")),
               agency=AGENCY_NO_WAREHOUSE),
         [E(5, 11, "merchant", "does not match the file name"),
          E(11, 11, "schedule", "is not a valid cron expression"),
          E(14, 3, "warehouse", "a production store needs a BigQuery project")]),
]

assert len({case.id for case in CASES}) == len(CASES), "case ids must be unique"

CASES.append(Case("lone_surrogate_escape",
                  store(edit("display_name: Demo Store", 'display_name: "Demo \\ud83d Store"')),
                  [E(6, 15, "", "half of a character", hint=("U0001F680",))]))
