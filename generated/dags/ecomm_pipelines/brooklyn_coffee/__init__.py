# Generated from config/merchants/brooklyn-coffee.yaml by `ecomm generate` — do not edit.
"""Generated pipelines of the store 'Brooklyn Coffee Roasters': its settings and one module per source."""
