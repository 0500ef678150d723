# Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
"""Settings of the store `berlin-bikes`, read by its DAG and its pipelines."""

SLUG = 'berlin-bikes'
IDENT = 'berlin_bikes'
DISPLAY_NAME = 'Berlin Bikes GmbH'
TIMEZONE = 'Europe/Berlin'
SOURCES = ['ecb', 'shopify']
DATASET_PREFIX = 'berlin_bikes'
RAW_DATASETS = {'ecb': 'berlin_bikes_raw_ecb', 'shopify': 'berlin_bikes_raw_shopify'}
BIGQUERY_PROJECT = 'northwind-analytics'
BIGQUERY_LOCATION = 'EU'
DUCKDB_PATH = '.ecomm/berlin-bikes.duckdb'
