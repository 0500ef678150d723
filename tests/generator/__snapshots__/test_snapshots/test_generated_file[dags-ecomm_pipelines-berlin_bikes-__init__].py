# ruff: noqa -- verbatim snapshot of a generated file (tests/generator/test_snapshots.py)
# Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
"""Generated pipelines of the store `berlin-bikes`: its settings and one module per source."""
