# Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
"""Generated pipelines of the store `demo-store`: its settings and one module per source."""
