# ruff: noqa -- verbatim snapshot of a generated file (tests/generator/test_snapshots.py)
# Generated from the ecomm generator's templates by `ecomm generate` — do not edit.
"""Generated pipelines of the E-commerce Starter Pack: one package per store, plus shared run-time helpers."""
