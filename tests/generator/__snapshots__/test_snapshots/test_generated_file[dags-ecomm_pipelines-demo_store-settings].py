# Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
"""Settings of the store `demo-store`, read by its DAG and its pipelines."""

SLUG = 'demo-store'
IDENT = 'demo_store'
DISPLAY_NAME = 'Demo Store'
TIMEZONE = 'Europe/Berlin'
SOURCES = ['ecb', 'google_ads', 'meta_ads', 'shopify']
DATASET_PREFIX = 'demo_store'
RAW_DATASETS = {'ecb': 'demo_store_raw_ecb', 'google_ads': 'demo_store_raw_google_ads', 'meta_ads': 'demo_store_raw_meta_ads', 'shopify': 'demo_store_raw_shopify'}
BIGQUERY_PROJECT = 'northwind-analytics'
BIGQUERY_LOCATION = 'EU'
DUCKDB_PATH = '.ecomm/demo-store.duckdb'
