# Generated from the ecomm generator's templates by `ecomm generate` — do not edit.
"""Run-time helpers shared by every store's DAG and pipelines.

Nothing here runs at DAG parse time: dlt, subprocess and the secret backends are imported inside
the functions that need them. The environment configures a run:

    ECOMM_TARGET          `prod` (BigQuery; the default) or `local` (DuckDB)
    ECOMM_LOCAL_ROOT      folder that relative local paths (DuckDB files, dlt state) start from; default: cwd
    ECOMM_<SOURCE>_URL    base URL of a source's API instead of production (the sandbox emulators)
    ECOMM_SECRET_<NAME>   the value of `secret:<name>` (upper-case, hyphens as underscores)
    ECOMM_DBT             the dbt executable; default: beside this Python, then on PATH
    ECOMM_DATA_DIR        the folder holding dbt/; default: `data/` beside the DAGs folder (Composer's layout)
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

TARGETS = ("prod", "local")
SECRET_PREFIX = "secret:"


def target() -> str:
    """The warehouse this run writes to."""
    value = os.environ.get("ECOMM_TARGET", "prod")
    if value not in TARGETS:
        raise ValueError(f"ECOMM_TARGET is {value!r}; use one of {', '.join(TARGETS)}")
    return value


def endpoint(source: str, production_url: str) -> str:
    """The API base URL for `source`: production unless ECOMM_<SOURCE>_URL points elsewhere."""
    return os.environ.get(f"ECOMM_{source.upper()}_URL", production_url).rstrip("/")


def secret(reference: str) -> str:
    """Resolve `secret:NAME` from the environment, an Airflow Variable, or GCP Secret Manager."""
    name = reference.removeprefix(SECRET_PREFIX)
    env_name = "ECOMM_SECRET_" + name.upper().replace("-", "_")
    value = os.environ.get(env_name) or _airflow_variable(name) or _secret_manager(name)
    if not value:
        raise LookupError(
            f"secret {name!r} is not set: export {env_name}, or create an Airflow Variable or a "
            f"GCP Secret Manager secret named {name!r}"
        )
    _mask(value)
    return value


def load_source(store: str, source: str) -> dict[str, int]:
    """Run one source's dlt pipeline for a store; returns rows loaded per table."""
    # Secrets are resolved by `secret()`; dlt's own lookup of an Airflow Variable holding secrets.toml
    # would only add metadata-database queries to every run. Set before dlt reads its configuration.
    os.environ.setdefault("PROVIDERS__ENABLE_AIRFLOW_SECRETS", "false")
    module = importlib.import_module(f"{store}.{source}")
    return module.load()


def run_pipeline(settings: ModuleType, source_name: str, source: Any) -> dict[str, int]:
    """Run `source` into the store's raw dataset for this source, on the current target."""
    import dlt

    pipeline = dlt.pipeline(
        pipeline_name=f"ecomm_{settings.IDENT}_{source_name}",
        destination=_destination(settings),
        dataset_name=settings.RAW_DATASETS[source_name],
        pipelines_dir=_pipelines_dir(),
    )
    pipeline.run(source)
    counts = pipeline.last_trace.last_normalize_info.row_counts
    return {table: rows for table, rows in sorted(counts.items()) if not table.startswith("_dlt")}


def dbt_build(store: str, quiet: bool = False) -> dict[str, int]:
    """`dbt build` of the store's project on the current target; returns result counts by status.

    dbt's output goes to the task log, or with `quiet` to dbt-output.log in the work folder (whose
    last lines are quoted if the build fails).
    """
    settings = importlib.import_module(f"{store}.settings")
    project = data_dir() / "dbt" / settings.IDENT
    work = _work_dir("dbt", settings.IDENT)
    env = {
        **os.environ,
        "ECOMM_DUCKDB_PATH": str(duckdb_file(settings)),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        # No usage tracking: it would also write a .user.yml into the (read-only on Composer) project.
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [dbt_executable(), "build", "--project-dir", str(project), "--profiles-dir", str(project),
               "--target", target()]
    (work / "target" / "run_results.json").unlink(missing_ok=True)  # never report a previous run's results
    log = work / "dbt-output.log"
    with open(log, "w", encoding="utf-8") if quiet else _no_file() as output:
        completed = subprocess.run(command, env=env, check=False, stdout=output, stderr=subprocess.STDOUT)
    results = _results(work / "target" / "run_results.json")
    counts = dict(sorted(Counter(r["status"] for r in results).items()))
    if completed.returncode != 0:
        failed = [f"{r['unique_id']}: {(r.get('message') or '').strip()}"
                  for r in results if r["status"] in ("error", "fail")]
        detail = "\n".join(failed) or "".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[-25:])
        raise RuntimeError(f"dbt build failed for {settings.SLUG} ({counts or 'no results'}):\n{detail}")
    return counts


def duckdb_file(settings: ModuleType) -> Path:
    """The store's local DuckDB file (relative paths start at ECOMM_LOCAL_ROOT)."""
    return _local_root() / settings.DUCKDB_PATH


def data_dir() -> Path:
    return Path(os.environ.get("ECOMM_DATA_DIR") or Path(__file__).resolve().parents[2] / "data")


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    found = os.environ.get("ECOMM_DBT") or (str(beside_python) if beside_python.exists() else shutil.which("dbt"))
    if not found:
        raise FileNotFoundError("dbt is not installed: pip install 'dbt-core>=1.11,<1.12' dbt-duckdb dbt-bigquery")
    return found


def _destination(settings: ModuleType) -> Any:
    import dlt

    if target() == "local":
        path = duckdb_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        return dlt.destinations.duckdb(str(path))
    # Credentials: Composer's service account through Application Default Credentials.
    return dlt.destinations.bigquery(location=settings.BIGQUERY_LOCATION, project_id=settings.BIGQUERY_PROJECT)


def _pipelines_dir() -> str | None:
    # Locally, dlt state lives beside the DuckDB files; on Composer, dlt's default (restored from the
    # destination when a fresh worker has none).
    return str(_local_root() / ".ecomm" / "dlt") if target() == "local" else None


def _work_dir(*parts: str) -> Path:
    base = _local_root() / ".ecomm" if target() == "local" else Path(tempfile.gettempdir()) / "ecomm"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _local_root() -> Path:
    return Path(os.environ.get("ECOMM_LOCAL_ROOT") or os.getcwd())


@contextlib.contextmanager
def _no_file() -> Iterator[None]:
    yield None


def _results(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["results"] if path.exists() else []


def _airflow_variable(name: str) -> str | None:
    try:
        from airflow.sdk import Variable
    except ImportError:
        try:
            from airflow.models import Variable
        except ImportError:
            return None
    try:
        return Variable.get(name, default=None)
    # Airflow 2 and 3 raise different errors for a missing variable, or outside a task without a metadata
    # database; every one of them means the secret is not kept there.
    except Exception:  # noqa: BLE001
        return None


def _secret_manager(name: str) -> str | None:
    project = os.environ.get("ECOMM_GCP_PROJECT")
    if not project:
        return None
    try:
        from google.api_core.exceptions import NotFound
        from google.cloud import secretmanager
    except ImportError:
        return None
    client = secretmanager.SecretManagerServiceClient()
    try:
        response = client.access_secret_version(name=f"projects/{project}/secrets/{name}/versions/latest")
    except NotFound:
        return None
    return response.payload.data.decode("utf-8")


def _mask(value: str) -> None:
    """Keep the value out of Airflow's task logs and UI, where Airflow is present."""
    for module in ("airflow.sdk.log", "airflow.sdk.execution_time.secrets_masker", "airflow.utils.log.secrets_masker"):
        try:
            mask_secret = importlib.import_module(module).mask_secret
        except (ImportError, AttributeError):
            continue
        mask_secret(value)
        return
