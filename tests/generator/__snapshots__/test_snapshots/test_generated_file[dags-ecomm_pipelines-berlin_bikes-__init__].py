# Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
"""Generated pipelines of the store `berlin-bikes`: its settings and one module per source."""
