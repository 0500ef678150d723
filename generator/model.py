"""The typed, frozen store model that templates see. Built once from a validated, merged document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class BigQuery:
    """Production warehouse location. `project` is None only for sandbox stores."""

    project: str | None
    location: str


@dataclass(frozen=True)
class Warehouse:
    bigquery: BigQuery
    dataset_prefix: str
    duckdb_path: str


@dataclass(frozen=True)
class Alerts:
    email: tuple[str, ...]
    on_failure: bool
    on_retry: bool


@dataclass(frozen=True, order=True)
class CogsRow:
    """One cost-of-goods row: `cost` per unit of `sku` from `valid_from` on."""

    sku: str
    valid_from: date
    cost: Decimal
    currency: str


@dataclass(frozen=True)
class PaymentFee:
    gateway: str | None  # None: every gateway without a rule of its own
    percent: Decimal
    fixed: Decimal
    currency: str


@dataclass(frozen=True)
class ShippingCost:
    per_order: Decimal
    per_unit: Decimal
    currency: str


@dataclass(frozen=True)
class FixedCost:
    name: str
    amount: Decimal
    currency: str
    first_month: str
    last_month: str | None


@dataclass(frozen=True)
class Costs:
    """Configured costs; every part is empty when the store configures none."""

    cogs: tuple[CogsRow, ...] = ()
    payment_fees: tuple[PaymentFee, ...] = ()
    shipping: ShippingCost | None = None
    fixed_monthly: tuple[FixedCost, ...] = ()


@dataclass(frozen=True)
class Merchant:
    """One store, with every default applied. `sources` is sorted by source name."""

    slug: str
    display_name: str
    description: str
    timezone: str
    reporting_currency: str
    start_date: date
    schedule: str
    sandbox: bool
    owner: str
    retries: int
    tags: tuple[str, ...]
    warehouse: Warehouse
    alerts: Alerts
    sources: tuple[tuple[str, Any], ...]
    config_file: str
    costs: Costs = field(default_factory=Costs)

    @property
    def ident(self) -> str:
        """The slug as a Python/SQL identifier: `demo_store` for `demo-store`."""
        return self.slug.replace("-", "_")

    def source(self, name: str) -> Any:
        return dict(self.sources)[name]


def build_merchant(data: dict[str, Any], config_file: str, source_builders: dict[str, Any],
                   implied_sources: tuple[str, ...] = (), cogs: tuple[CogsRow, ...] = ()) -> Merchant:
    """The model for a document that passed every validation stage and has schema defaults applied.

    `implied_sources` are added with an empty section: sources the configured ones need.
    """
    sections = {**{name: {} for name in implied_sources}, **data["sources"]}
    warehouse = data.get("warehouse", {})
    bigquery = warehouse.get("bigquery", {})
    alerts = data.get("alerts", {})
    ident = data["merchant"].replace("-", "_")
    return Merchant(
        slug=data["merchant"],
        display_name=data["display_name"],
        description=data.get("description", ""),
        timezone=data["timezone"],
        reporting_currency=data["reporting_currency"],
        start_date=date.fromisoformat(data["start_date"]),
        schedule=data["schedule"],
        sandbox=data["sandbox"],
        owner=data["owner"],
        retries=data["retries"],
        tags=tuple(data.get("tags", ())),
        warehouse=Warehouse(
            bigquery=BigQuery(project=bigquery.get("project"), location=bigquery.get("location", "EU")),
            dataset_prefix=warehouse.get("dataset_prefix", ident),
            duckdb_path=warehouse.get("duckdb_path", f".ecomm/{data['merchant']}.duckdb"),
        ),
        alerts=Alerts(email=tuple(alerts.get("email", ())), on_failure=alerts["on_failure"],
                      on_retry=alerts["on_retry"]),
        sources=tuple((name, source_builders[name](section)) for name, section in sorted(sections.items())),
        config_file=config_file,
        costs=_costs(data.get("costs", {}), cogs),
    )


def _costs(section: dict[str, Any], cogs: tuple[CogsRow, ...]) -> Costs:
    shipping = section.get("shipping")
    return Costs(
        cogs=cogs,
        payment_fees=tuple(PaymentFee(f.get("gateway"), Decimal(f["percent"]), Decimal(f["fixed"]), f["currency"])
                           for f in section.get("payment_fees", ())),
        shipping=ShippingCost(Decimal(shipping.get("per_order", 0)), Decimal(shipping.get("per_unit", 0)),
                              shipping["currency"]) if shipping else None,
        fixed_monthly=tuple(FixedCost(c["name"], Decimal(c["amount"]), c["currency"], c["from"], c.get("to"))
                            for c in section.get("fixed_monthly", ())),
    )
