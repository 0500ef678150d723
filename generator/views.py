"""View objects: everything a template substitutes, computed here so templates hold no logic."""

from __future__ import annotations

import csv
import io
from typing import Any

from generator.model import Merchant


def store_view(merchant: Merchant) -> dict[str, Any]:
    """Settings shared by a store's generated modules."""
    prefix = merchant.warehouse.dataset_prefix
    return {
        "slug": merchant.slug,
        "ident": merchant.ident,
        "display_name": merchant.display_name,
        "timezone": merchant.timezone,
        "dataset_prefix": prefix,
        "raw_datasets": {name: f"{prefix}_raw_{name}" for name, _ in merchant.sources},
        "bigquery_project": merchant.warehouse.bigquery.project,
        "bigquery_location": merchant.warehouse.bigquery.location,
        "duckdb_path": merchant.warehouse.duckdb_path,
        "sources": [name for name, _ in merchant.sources],
        "sandbox": merchant.sandbox,
        "store_package": f"ecomm_pipelines.{merchant.ident}",
    }


def dag_view(merchant: Merchant) -> dict[str, Any]:
    sources = [name for name, _ in merchant.sources]
    return {
        "dag_id": f"ecomm_{merchant.ident}",
        "slug": merchant.slug,
        "store_module": f"ecomm_pipelines.{merchant.ident}",
        "ident": merchant.ident,
        "description": f"{merchant.display_name}: load {', '.join(sources)}, then build the dbt marts",
        "doc_md": _doc_md(merchant),
        "schedule": merchant.schedule,
        "timezone": merchant.timezone,
        "start_date": [merchant.start_date.year, merchant.start_date.month, merchant.start_date.day],
        "owner": merchant.owner,
        "retries": merchant.retries,
        "tags": sorted({"ecomm", f"store:{merchant.slug}", *merchant.tags, *sources}),
        "email": list(merchant.alerts.email),
        "email_on_failure": merchant.alerts.on_failure and bool(merchant.alerts.email),
        "email_on_retry": merchant.alerts.on_retry and bool(merchant.alerts.email),
        "load_tasks": [{"task_id": f"load_{name}", "source": name} for name in sources],
    }


def dbt_view(merchant: Merchant) -> dict[str, Any]:
    """The dbt project's settings; each source adds its own view under its name (see plan.py)."""
    return {
        **store_view(merchant),
        "project_name": f"ecomm_{merchant.ident}",
        "reporting_currency": merchant.reporting_currency,
        **_profile(merchant),
    }


def _profile(merchant: Merchant) -> dict[str, Any]:
    """dbt outputs: `local` (DuckDB) always; `prod` (BigQuery) wherever a project is configured."""
    prefix, bigquery = merchant.warehouse.dataset_prefix, merchant.warehouse.bigquery
    outputs: dict[str, Any] = {
        "local": {"type": "duckdb", "path": "{{ env_var('ECOMM_DUCKDB_PATH') }}", "schema": prefix, "threads": 4},
    }
    if bigquery.project:
        outputs["prod"] = {"type": "bigquery", "method": "oauth", "project": bigquery.project, "dataset": prefix,
                           "location": bigquery.location, "threads": 4, "job_execution_timeout_seconds": 900,
                           "job_retries": 2}
    return {"profile_outputs": outputs, "default_target": "prod" if bigquery.project else "local"}


def _doc_md(merchant: Merchant) -> str:
    """The DAG's documentation in the Airflow UI: the store's config in brief, never a secret."""
    bq = merchant.warehouse.bigquery
    lines = [
        f"### {merchant.display_name}",
        "",
        merchant.description,
        "",
        f"- store: `{merchant.slug}` (config: `{merchant.config_file}`)",
        f"- time zone: {merchant.timezone}; reporting currency: {merchant.reporting_currency}",
        f"- schedule: `{merchant.schedule}` ({merchant.timezone}); data from {merchant.start_date.isoformat()}",
        f"- warehouse: BigQuery `{bq.project}` ({bq.location}), datasets `{merchant.warehouse.dataset_prefix}_*`",
    ]
    for name, config in merchant.sources:
        resources = ", ".join(getattr(config, "resources", ()))
        lines.append(f"- source `{name}`: {resources}")
    return "\n".join(line for line in lines) + "\n"


# Configured costs become dbt seeds: CSV files inside the store's dbt project, loaded by `dbt build`.
SEED_COLUMNS = {
    "cogs": ("sku", "valid_from", "cost", "currency"),
    "payment_fees": ("gateway", "percent", "fixed", "currency"),
    "shipping_costs": ("per_order", "per_unit", "currency"),
    "fixed_costs": ("name", "amount", "currency", "first_month", "last_month"),
}


def seed_files(merchant: Merchant) -> dict[str, str]:
    """Seed name → CSV text (header always, so every model can rely on every seed existing)."""
    costs = merchant.costs
    rows = {
        "cogs": [(r.sku, r.valid_from.isoformat(), r.cost, r.currency) for r in costs.cogs],
        "payment_fees": [(f.gateway or "", f.percent, f.fixed, f.currency) for f in costs.payment_fees],
        "shipping_costs": [(s.per_order, s.per_unit, s.currency) for s in filter(None, [costs.shipping])],
        "fixed_costs": [(c.name, c.amount, c.currency, c.first_month, c.last_month or "") for c in costs.fixed_monthly],
    }
    return {name: _csv(SEED_COLUMNS[name], rows[name]) for name in SEED_COLUMNS}


def _csv(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
