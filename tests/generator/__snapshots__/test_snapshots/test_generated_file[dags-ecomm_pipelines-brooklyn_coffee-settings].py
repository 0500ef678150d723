# Generated from config/merchants/brooklyn-coffee.yaml by `ecomm generate` — do not edit.
"""Settings of the store `brooklyn-coffee`, read by its DAG and its pipelines."""

SLUG = 'brooklyn-coffee'
IDENT = 'brooklyn_coffee'
DISPLAY_NAME = 'Brooklyn Coffee Roasters'
TIMEZONE = 'America/New_York'
SOURCES = ['ecb', 'shopify']
DATASET_PREFIX = 'brooklyn_coffee'
RAW_DATASETS = {'ecb': 'brooklyn_coffee_raw_ecb', 'shopify': 'brooklyn_coffee_raw_shopify'}
BIGQUERY_PROJECT = 'northwind-analytics'
BIGQUERY_LOCATION = 'US'
DUCKDB_PATH = '.ecomm/brooklyn-coffee.duckdb'
