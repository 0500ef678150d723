# Generated from the ecomm generator's templates by `ecomm generate` — do not edit.
"""Generated pipelines of the E-commerce Starter Pack: one package per store, plus shared run-time helpers."""
