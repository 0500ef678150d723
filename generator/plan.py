"""The pure core: store models → the sorted list of files to generate. No I/O, clock or environment.

Layout of generated/, mirroring a Cloud Composer bucket so that deploying is copying:
    dags/ecomm_<store>.py                      one DAG per store
    dags/ecomm_pipelines/runtime.py            shared run-time helpers (target, secrets, dbt)
    dags/ecomm_pipelines/<store>/<source>.py   the store's dlt sources
    data/dbt/<store>/...                       the store's dbt project
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generator import analytics
from generator.model import Merchant
from generator.render import render
from generator.sources import SOURCE_TYPES
from generator.views import dag_view, dbt_view, seed_files, store_view

SHARED = ""  # owner of files that belong to no single store
# CSV (dbt seeds) has no comment syntax: those files are described in seeds/_seeds.yml instead.
_COMMENT = {".py": "#", ".yml": "#", ".sql": "--", ".airflowignore": "#", ".csv": ""}
_SHARED_FILES = (
    ("dags/.airflowignore", "airflow/airflowignore.j2"),
    ("dags/ecomm_pipelines/__init__.py", "pipelines/package_init.py.j2"),
    ("dags/ecomm_pipelines/runtime.py", "pipelines/runtime.py.j2"),
)
_DBT_CORE = ("dbt_project.yml", "profiles.yml", "macros/ecomm.sql", "models/marts/dim_store.sql",
             "models/marts/_store.yml", "seeds/_seeds.yml")


@dataclass(frozen=True, order=True)
class PlannedFile:
    """One generated file: its path under generated/, its exact content, and the store that owns it."""

    path: str
    content: str
    owner: str


def build_plan(merchants: Iterable[Merchant]) -> list[PlannedFile]:
    """Every file the given stores need (plus the shared ones), sorted by path."""
    merchants = sorted(merchants, key=lambda m: m.slug)
    files = [_shared(path, template) for path, template in _SHARED_FILES] if merchants else []
    for merchant in merchants:
        files += _store_files(merchant)
    return sorted(files)


def _store_files(merchant: Merchant) -> list[PlannedFile]:
    store = merchant.ident
    files = [
        _file(f"dags/ecomm_{store}.py", render("airflow/dag.py.j2", dag_view(merchant)), merchant),
        _file(f"dags/ecomm_pipelines/{store}/__init__.py", render("pipelines/store_init.py.j2", store_view(merchant)),
              merchant),
        _file(f"dags/ecomm_pipelines/{store}/settings.py", render("pipelines/store.py.j2", store_view(merchant)),
              merchant),
    ]
    dbt = dbt_view(merchant)
    templates = list(_DBT_CORE)
    for name, config in merchant.sources:
        source = SOURCE_TYPES[name]
        view = source.view(config, merchant)
        files.append(_file(f"dags/ecomm_pipelines/{store}/{name}.py",
                           render(source.python_template, {**store_view(merchant), **view}), merchant))
        templates += source.dbt_templates(config)
        dbt[name] = view
    templates += analytics.dbt_templates(merchant)
    for template in templates:
        files.append(_file(f"data/dbt/{store}/{template}", render(template, dbt, dbt=True), merchant))
    for name, text in seed_files(merchant).items():
        files.append(_file(f"data/dbt/{store}/seeds/{name}.csv", text, merchant))
    return files


def _file(path: str, body: str, merchant: Merchant) -> PlannedFile:
    return PlannedFile(path, _header(path, merchant.config_file) + body, merchant.slug)


def _shared(path: str, template: str) -> PlannedFile:
    return PlannedFile(path, _header(path, "the ecomm generator's templates") + render(template, {}), SHARED)


def _header(path: str, origin: str) -> str:
    comment = _COMMENT[_suffix(path)]
    return f"{comment} Generated from {origin} by `ecomm generate` — do not edit.\n" if comment else ""


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name if name.startswith(".") else "." + name.rsplit(".", 1)[-1]
