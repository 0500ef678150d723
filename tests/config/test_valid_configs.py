"""Valid configs: the shipped examples, YAML 1.1 traps read deliberately, and how agency defaults layer."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator.config import load_project
from generator.config.merge import merge_defaults
from generator.config.yaml_loader import load_yaml

from .cases import AGENCY, AGENCY_YAML, BARE, BASE, SIBLING, SIBLING_YAML, STORE, build_tree, edit, store

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_YAML = sorted([ROOT / "config" / "agency.yaml", *(ROOT / "config" / "merchants").glob("*.yaml")])


def _valid(tmp_path: Path, files: dict[str, str | bytes]):
    project = load_project(build_tree(tmp_path, files))
    assert project.issues == (), "\n".join(map(str, project.issues))
    assert project.invalid == ()
    return project


# --- the shipped config/ ------------------------------------------------------------------------------------

def test_shipped_config_is_valid() -> None:
    project = load_project(ROOT)
    assert project.issues == (), "\n".join(map(str, project.issues))
    assert project.invalid == ()
    assert sorted(project.merchants) == ["berlin-bikes", "brooklyn-coffee", "demo-store"]
    assert project.agency_name == "Northwind Commerce"


def test_base_store_and_sibling_validate(tmp_path: Path) -> None:
    project = _valid(tmp_path, store(BASE, **{"sibling-shop": SIBLING_YAML}))
    assert sorted(project.merchants) == ["demo-store", "sibling-shop"]
    assert project.merchants["sibling-shop"].config_file == SIBLING


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_shipped_yaml_declares_its_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"first line of {path.name} must be a yaml-language-server $schema comment, got {first!r}"
    target = (path.parent / match.group(1)).resolve()
    assert target.is_file(), f"{match.group(1)} does not resolve to a file from {path.parent}"
    expected = "agency.schema.json" if path.name == "agency.yaml" else "merchant.schema.json"
    assert target == ROOT / "schemas" / expected


# --- YAML 1.1 surprises, handled deliberately ---------------------------------------------------------------

def test_yaml11_lookalikes_stay_text_in_a_store(tmp_path: Path) -> None:
    text = edit("display_name: Demo Store", "display_name: NO",
                edit('start_date: "2026-06-01"', "start_date: 2026-01-01",
                     edit("description: A sandbox", "description: on\nowner: off\n# A sandbox")))
    text = edit("tags: [demo]", "tags: [yes, no, on, off, y, n, '1:20']", text)
    merchant = _valid(tmp_path, store(text)).merchants["demo-store"]
    assert merchant.display_name == "NO"
    assert merchant.start_date == date(2026, 1, 1)
    assert merchant.description == "on"
    assert merchant.owner == "off"
    assert merchant.tags == ("yes", "no", "on", "off", "y", "n", "1:20")


def test_plain_scalars_resolve_deliberately() -> None:
    raw = (b"country: NO\nday: 2026-01-01\nswitch: on\nother: off\nanswer: yes\nsexagesimal: 1:20\n"
           b"hex: 0x1F\nexp: 1e3\ninf: .inf\nt: true\nf: False\nnothing: ~\nempty:\nint: -42\ndec: 2.50\n"
           b"quoted_int: '42'\nquoted_true: \"true\"\n")
    assert load_yaml(raw, "x.yaml").data == {
        "country": "NO", "day": "2026-01-01", "switch": "on", "other": "off", "answer": "yes",
        "sexagesimal": "1:20", "hex": "0x1F", "exp": "1e3", "inf": ".inf", "t": True, "f": False,
        "nothing": None, "empty": None, "int": -42, "dec": Decimal("2.50"),
        "quoted_int": "42", "quoted_true": "true",
    }


def test_loader_records_value_and_key_positions() -> None:
    doc = load_yaml(BASE.encode(), STORE)
    assert doc.positions[("timezone",)] == (8, 11)
    assert doc.key_positions[("timezone",)] == (8, 1)
    assert doc.positions[("sources", "shopify", "resources", 2)] == (20, 35)
    assert doc.position(("sources", "shopify", "missing")) == (17, 5)  # nearest located ancestor


@pytest.mark.parametrize("variant", ["bom", "crlf", "document_start", "document_end"])
def test_harmless_file_variants_validate(tmp_path: Path, variant: str) -> None:
    raw = {
        "bom": b"\xef\xbb\xbf" + BASE.encode(),
        "crlf": BASE.replace("\n", "\r\n").encode(),
        "document_start": ("---\n" + BARE).encode(),
        "document_end": (BASE + "...\n").encode(),
    }[variant]
    assert "demo-store" in _valid(tmp_path, store(raw)).merchants


def test_hidden_files_beside_stores_are_ignored(tmp_path: Path) -> None:
    project = _valid(tmp_path, {**store(BASE), "config/merchants/.DS_Store": b"\x00\x00\x00\x01Bud1",
                                "config/merchants/.gitkeep": b""})
    assert list(project.merchants) == ["demo-store"]


# --- layered defaults ---------------------------------------------------------------------------------------

LAYER_AGENCY = """\
schema_version: 1
agency: Layer Test
defaults:
  schedule: "15 4 * * *"
  owner: agency-owner
  retries: 5
  timezone: Europe/Paris
  reporting_currency: GBP
  warehouse:
    bigquery:
      project: agency-project
      location: EU
  alerts:
    email: [a@agency.example, b@agency.example]
    on_failure: true
    on_retry: true
  sources:
    shopify:
      api_version: "2025-07"
      resources: [orders, customers]
"""

OVERRIDING = """\
schema_version: 1
merchant: overriding
display_name: Overriding
timezone: America/New_York
start_date: "2026-01-01"
schedule: "0 7 * * *"
retries: 0
warehouse:
  bigquery:
    location: US
alerts:
  email: [only@store.example]
  on_retry: false
sources:
  shopify:
    shop: overriding
    api_version: "2025-04"
    access_token: secret:overriding-token
    resources: [products]
"""

INHERITING = """\
schema_version: 1
merchant: inheriting
display_name: Inheriting
start_date: "2026-01-01"
sources:
  shopify:
    shop: inheriting
    access_token: secret:inheriting-token
"""


@pytest.fixture
def layered(tmp_path: Path):
    return _valid(tmp_path, {AGENCY: LAYER_AGENCY, "config/merchants/overriding.yaml": OVERRIDING,
                             "config/merchants/inheriting.yaml": INHERITING}).merchants


def test_store_scalars_override_agency_defaults(layered) -> None:
    over, inherit = layered["overriding"], layered["inheriting"]
    assert (over.schedule, over.timezone, over.retries) == ("0 7 * * *", "America/New_York", 0)  # 0 is a value
    assert (inherit.schedule, inherit.timezone, inherit.retries) == ("15 4 * * *", "Europe/Paris", 5)
    assert over.owner == inherit.owner == "agency-owner"
    assert over.reporting_currency == inherit.reporting_currency == "GBP"


def test_mappings_merge_deeply(layered) -> None:
    over = layered["overriding"]
    assert (over.warehouse.bigquery.project, over.warehouse.bigquery.location) == ("agency-project", "US")
    assert (over.alerts.on_failure, over.alerts.on_retry) == (True, False)
    assert layered["inheriting"].warehouse.bigquery.location == "EU"


def test_lists_replace_whole(layered) -> None:
    over, inherit = layered["overriding"], layered["inheriting"]
    assert over.alerts.email == ("only@store.example",)
    assert inherit.alerts.email == ("a@agency.example", "b@agency.example")
    assert over.source("shopify").resources == ("products",)
    assert inherit.source("shopify").resources == ("customers", "orders")


def test_source_defaults_layer_under_the_store(layered) -> None:
    assert layered["overriding"].source("shopify").api_version == "2025-04"
    assert layered["inheriting"].source("shopify").api_version == "2025-07"  # agency, not the schema's 2025-10


def test_schema_defaults_fill_in_without_an_agency(tmp_path: Path) -> None:
    merchant = _valid(tmp_path, {"config/merchants/inheriting.yaml": INHERITING + "sandbox: true\n"
                                 "timezone: UTC\nreporting_currency: EUR\n"}).merchants["inheriting"]
    assert (merchant.schedule, merchant.owner, merchant.retries) == ("0 6 * * *", "ecomm", 3)
    assert (merchant.alerts.on_failure, merchant.alerts.on_retry, merchant.alerts.email) == (True, False, ())
    assert merchant.source("shopify").api_version == "2025-10"
    assert merchant.source("shopify").resources == ("customers", "orders", "products")
    assert merchant.warehouse.dataset_prefix == "inheriting"
    assert merchant.warehouse.duckdb_path == ".ecomm/inheriting.duckdb"
    assert merchant.warehouse.bigquery.project is None


def test_shipped_stores_inherit_from_the_shipped_agency() -> None:
    merchants = load_project(ROOT).merchants
    berlin, brooklyn, demo = merchants["berlin-bikes"], merchants["brooklyn-coffee"], merchants["demo-store"]
    assert berlin.schedule == "30 5 * * *" and demo.schedule == "0 6 * * *"
    assert brooklyn.warehouse.bigquery.project == "northwind-analytics"
    assert brooklyn.warehouse.bigquery.location == "US" and berlin.warehouse.bigquery.location == "EU"
    assert brooklyn.alerts.email == ("data-alerts@northwind.example", "ops@brooklyn-coffee.example")
    assert berlin.alerts.email == ("data-alerts@northwind.example",)
    assert berlin.source("shopify").api_version == "2025-10" and demo.source("shopify").api_version == "2025-01"
    assert brooklyn.source("shopify").resources == ("customers", "orders")


def test_source_defaults_never_switch_a_source_on(tmp_path: Path) -> None:
    """`defaults.sources.shopify` must not give a store without `sources.shopify` a Shopify section."""
    bare_sources = edit(BASE[BASE.index("sources:\n"):], "sources: {}\n", BASE)
    no_sources = BASE[: BASE.index("sources:\n")]
    for text in (bare_sources, no_sources):
        store_doc, agency_doc = load_yaml(text.encode(), STORE), load_yaml(AGENCY_YAML.encode(), AGENCY)
        assert "shopify" not in merge_defaults(store_doc, agency_doc).data.get("sources", {})

    project = load_project(build_tree(tmp_path, store(bare_sources)))
    assert [(i.key_path, i.message) for i in project.issues] == [("sources", "must not be empty")]
    assert project.invalid == ("demo-store",)


def test_source_defaults_apply_to_declared_sources(tmp_path: Path) -> None:
    store_doc, agency_doc = load_yaml(SIBLING_YAML.encode(), SIBLING), load_yaml(AGENCY_YAML.encode(), AGENCY)
    merged = merge_defaults(store_doc, agency_doc)
    assert merged.data["sources"]["shopify"]["api_version"] == "2025-01"  # the store's own value wins
    assert merged.data["sources"]["shopify"]["shop"] == "sibling-shop"
    without = load_yaml(edit('    api_version: "2025-01"\n', "", SIBLING_YAML).encode(), SIBLING)
    located = merge_defaults(without, agency_doc)
    assert located.data["sources"]["shopify"]["api_version"] == "2025-10"
    assert located.locate(("sources", "shopify", "api_version")) == (AGENCY, 20, 20)  # provenance: agency line
