"""`ecomm run SLUG`: the store's generated pipelines, end to end on DuckDB, with a summary.

It runs the very modules in generated/ that Composer runs (regenerating them first if stale),
with ECOMM_TARGET=local. Sandbox stores get the bundled API emulators on 127.0.0.1 and need no
credentials; other stores need their secrets in the environment.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from generator.config import load_project
from generator.config.rules import SECRET_PREFIX, secret_env_name
from generator.errors import ConfigError, UserError
from generator.model import Merchant
from generator.plan import build_plan
from generator.sandbox import store_world
from generator.sources import SOURCE_TYPES
from generator.writer import plan_changes, write_changes

GENERATED = "generated"


def run_store(root: Path, slug: str, *, port: int, orders: int, console: Console) -> int:
    merchant = _valid_store(root, slug)
    _regenerate(root, merchant, console)
    with _sandbox(merchant, port, orders, console) as env, _environment(env, root):
        runtime = _import_generated(root)
        store = f"ecomm_pipelines.{merchant.ident}"
        loaded = _load_all(runtime, store, merchant, console)
        with console.status("dbt build …"):
            results = _dbt_build(runtime, store, merchant)
    _summary(root, merchant, loaded, results, console)
    return 0


def _valid_store(root: Path, slug: str) -> Merchant:
    project = load_project(root)
    if slug in project.merchants:
        return project.merchants[slug]
    mine = [issue for issue in project.issues if Path(issue.file).stem == slug or issue.file.endswith("agency.yaml")]
    if slug in project.invalid or mine:
        raise ConfigError(mine)
    known = ", ".join(sorted(project.merchants)) or "none"
    raise UserError(f"no store named {slug!r} in config/merchants/ (valid stores: {known})")


def _regenerate(root: Path, merchant: Merchant, console: Console) -> None:
    out = root / GENERATED
    plan = build_plan([merchant])
    changes = plan_changes(out, plan, {merchant.slug})
    if any(change.action != "unchanged" for change in changes):
        write_changes(out, plan, changes)
        console.print(f"regenerated {merchant.slug}'s files in generated/")


@contextlib.contextmanager
def _sandbox(merchant: Merchant, port: int, orders: int, console: Console) -> Iterator[dict[str, str]]:
    """Start each source's emulator for a sandbox store; check credentials exist for the others."""
    if not merchant.sandbox:
        _require_secrets(merchant)
        yield {}
        return
    env: dict[str, str] = {}
    with console.status(f"building the sandbox world ({orders} orders, ads, visits) …"):
        world = store_world(merchant, orders)
    with contextlib.ExitStack() as stack:
        for offset, (name, config) in enumerate(merchant.sources):
            # --port is the first emulator's port; the others take the next ones (0: any free port each)
            chosen = port + offset if port else 0
            try:
                emulator, source_env = SOURCE_TYPES[name].sandbox(config, merchant, port=chosen, world=world)
            except OSError as err:
                if err.errno == errno.EADDRINUSE:
                    raise UserError(f"port {chosen} on 127.0.0.1 is already in use — pick another with --port, "
                                    "or leave it out to use any free ports") from None
                raise
            stack.callback(emulator.stop)
            env.update(source_env)
            console.print(f"sandbox: {name} emulator on {emulator.base_url}")
        yield env


def _require_secrets(merchant: Merchant) -> None:
    missing = sorted({secret_env_name(ref) for ref in _secret_refs(merchant)} - set(os.environ))
    if missing:
        raise UserError(f"{merchant.slug} is not a sandbox store and its credentials are not set: export "
                        f"{', '.join(missing)} (or set `sandbox: true` to run it against the emulators)")


def _secret_refs(merchant: Merchant) -> list[str]:
    return [value for _, config in merchant.sources for value in vars(config).values()
            if isinstance(value, str) and value.startswith(SECRET_PREFIX)]


@contextlib.contextmanager
def _environment(env: dict[str, str], root: Path) -> Iterator[None]:
    overrides = {**env, "ECOMM_TARGET": "local", "ECOMM_LOCAL_ROOT": str(root.resolve()),
                 "ECOMM_DATA_DIR": str((root / GENERATED / "data").resolve()),
                 # dlt warns about every column that is still empty; the summary says what matters
                 "RUNTIME__LOG_LEVEL": os.environ.get("RUNTIME__LOG_LEVEL", "ERROR")}
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _import_generated(root: Path) -> Any:
    dags = str((root / GENERATED / "dags").resolve())
    if dags not in sys.path:
        sys.path.insert(0, dags)
    return importlib.import_module("ecomm_pipelines.runtime")


def _load_all(runtime: Any, store: str, merchant: Merchant, console: Console) -> dict[str, dict[str, int]]:
    """Load every source; one failing source does not stop the others, but it does stop the dbt build.

    Building marts from a mix of fresh and stale inputs would show numbers that never existed together
    (today's orders against last week's spend), so the marts keep their last complete state instead.
    """
    loaded: dict[str, dict[str, int]] = {}
    failed: dict[str, str] = {}
    for name, _ in merchant.sources:
        with console.status(f"loading {name} into {merchant.warehouse.duckdb_path} …"):
            try:
                loaded[name] = _load(runtime, store, name, merchant)
            except UserError as err:
                failed[name] = str(err)
        if name in failed:
            console.print(f"[red]{escape(failed[name])}[/red]")
        else:
            console.print(f"[green]loaded[/green] {name}: {sum(loaded[name].values())} rows")
    if failed:
        raise UserError(f"{merchant.slug}: {len(loaded)} of {len(loaded) + len(failed)} sources loaded; "
                        f"{', '.join(failed)} failed (see above). The dbt build was skipped so the marts keep "
                        "their last complete state; fix the failing sources and run again.")
    return loaded


def _load(runtime: Any, store: str, source: str, merchant: Merchant) -> dict[str, int]:
    try:
        return runtime.load_source(store, source)
    except Exception as err:  # dlt wraps every step's error; the innermost cause is the useful one
        raise UserError(f"loading {source} for {merchant.slug} failed: {_root_cause(err)}") from err


def _dbt_build(runtime: Any, store: str, merchant: Merchant) -> dict[str, int]:
    try:
        return runtime.dbt_build(store, quiet=True)
    except RuntimeError as err:
        raise UserError(str(err)) from err


def _root_cause(err: BaseException) -> str:
    while err.__cause__ is not None or err.__context__ is not None:
        err = err.__cause__ or err.__context__  # type: ignore[assignment]
    return f"{type(err).__name__}: {err}"


def _summary(root: Path, merchant: Merchant, loaded: dict[str, dict[str, int]], results: dict[str, int],
             console: Console) -> None:
    tables = Table(title="rows loaded (top-level tables; child tables in brackets)")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    tables.add_column("child rows", justify="right")
    for source, counts in loaded.items():
        for table in sorted(t for t in counts if "__" not in t):
            children = sum(n for t, n in counts.items() if t.startswith(f"{table}__"))
            tables.add_row(f"{source}.{table}", str(counts[table]), str(children))
    console.print(tables)
    console.print("dbt build: " + ", ".join(f"{n} {status}" for status, n in results.items()))
    console.print(_last_days(root / merchant.warehouse.duckdb_path, merchant))


_LAST_DAYS = (("sales_date", "day"), ("orders", "orders"), ("units_sold", "units"), ("gross_sales", "gross"),
              ("discounts", "discounts"), ("returns", "returns"), ("net_sales", "net sales"), ("aov", "AOV"),
              ("customers_new", "new"), ("customers_returning", "returning"))


def _last_days(path: Path, merchant: Merchant) -> Table:
    import duckdb

    columns = ", ".join(column for column, _ in _LAST_DAYS)
    query = (f"select {columns} from {merchant.warehouse.dataset_prefix}_marts.daily_sales "
             "order by sales_date desc limit 7")
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(query).fetchall()
    table = Table(title=f"{escape(merchant.display_name)}: the last 7 days of daily_sales, "
                        f"{merchant.reporting_currency}")
    for column, header in _LAST_DAYS:
        table.add_column(header, justify="left" if column == "sales_date" else "right")
    for row in reversed(rows):
        table.add_row(*(_cell(value) for value in row))
    return table


def _cell(value: Any) -> str:
    from decimal import Decimal

    if value is None:
        return "–"
    return f"{value:,.2f}" if isinstance(value, (Decimal, float)) else str(value)
