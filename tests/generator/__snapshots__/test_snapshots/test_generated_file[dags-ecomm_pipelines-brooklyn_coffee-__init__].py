# Generated from config/merchants/brooklyn-coffee.yaml by `ecomm generate` — do not edit.
"""Generated pipelines of the store `brooklyn-coffee`: its settings and one module per source."""
