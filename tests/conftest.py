"""Fixtures shared by every test package. Keep this small and generic."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Snapshot folders hold reviewable copies of generated code (`test_*.py` names included): never collect them.
collect_ignore_glob = ["*/__snapshots__/*"]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout under test. Tests read it; they never write into it (copy into tmp_path instead)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty AIRFLOW_HOME for the session, so Airflow never touches ~/airflow."""
    return tmp_path_factory.mktemp("airflow_home")


@pytest.fixture(scope="session")
def airflow_env(airflow_home: Path) -> dict[str, str]:
    """Environment variables for a subprocess that imports Airflow: the tmp home, no examples, unit-test mode."""
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "True",
    }
