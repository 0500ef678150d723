# Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
"""Generated pipelines of the store 'Berlin Bikes GmbH': its settings and one module per source."""
