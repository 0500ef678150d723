# ruff: noqa -- verbatim snapshot of a generated file (tests/generator/test_snapshots.py)
# Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
"""Generated pipelines of the store `demo-store`: its settings and one module per source."""
