"""E-commerce Starter Pack: store YAML in, reviewable dlt, dbt and Airflow code out."""

from generator.config import Project, load_project
from generator.errors import ConfigError, ConfigIssue, UserError
from generator.plan import PlannedFile, build_plan

__all__ = [
    "ConfigError",
    "ConfigIssue",
    "PlannedFile",
    "Project",
    "UserError",
    "build_plan",
    "load_project",
]
