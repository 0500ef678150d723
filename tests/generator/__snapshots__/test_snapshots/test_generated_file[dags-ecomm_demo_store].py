# Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
"""Airflow DAG of the store `demo-store`: load each source, then build the dbt marts.

Parsing this file imports only Airflow and constants; dlt and dbt load inside the tasks.
`ECOMM_TARGET` on the worker picks the warehouse at run time: `prod` (BigQuery, the default) or
`local` (DuckDB against the sandbox emulators).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow import DAG

try:
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:  # Airflow 2.10 without the standard provider
    from airflow.operators.python import PythonOperator

from ecomm_pipelines import runtime

STORE = 'ecomm_pipelines.demo_store'

default_args = {
    "owner": 'northwind-data',
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
    "email": ['data-alerts@northwind.example'],
    "email_on_failure": True,
    "email_on_retry": False,
}

with DAG(
    dag_id='ecomm_demo_store',
    description='Demo Store: load ecb, google_ads, meta_ads, shopify, then build the dbt marts',
    doc_md='### Demo Store\n\nA sandbox store selling mugs and tea in EUR to customers who pay in EUR, USD, GBP and CHF.\n\n- store: `demo-store` (config: `config/merchants/demo-store.yaml`)\n- time zone: Europe/Berlin; reporting currency: EUR\n- schedule: `0 6 * * *` (Europe/Berlin); data from 2026-06-01\n- warehouse: BigQuery `northwind-analytics` (EU), datasets `demo_store_*`\n- source `ecb`: \n- source `google_ads`: campaign_daily\n- source `meta_ads`: \n- source `shopify`: customers, orders, products\n',
    schedule='0 6 * * *',
    start_date=pendulum.datetime(2026, 6, 1, tz='Europe/Berlin'),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=6),
    default_args=default_args,
    tags=['demo', 'ecb', 'ecomm', 'google_ads', 'meta_ads', 'shopify', 'store:demo-store'],
) as dag:
    dbt_build = PythonOperator(
        task_id="dbt_build",
        python_callable=runtime.dbt_build,
        op_kwargs={"store": STORE},
        execution_timeout=timedelta(hours=2),
    )
    load_ecb = PythonOperator(
        task_id='load_ecb',
        python_callable=runtime.load_source,
        op_kwargs={"store": STORE, "source": 'ecb'},
        execution_timeout=timedelta(hours=2),
    )
    load_ecb >> dbt_build
    load_google_ads = PythonOperator(
        task_id='load_google_ads',
        python_callable=runtime.load_source,
        op_kwargs={"store": STORE, "source": 'google_ads'},
        execution_timeout=timedelta(hours=2),
    )
    load_google_ads >> dbt_build
    load_meta_ads = PythonOperator(
        task_id='load_meta_ads',
        python_callable=runtime.load_source,
        op_kwargs={"store": STORE, "source": 'meta_ads'},
        execution_timeout=timedelta(hours=2),
    )
    load_meta_ads >> dbt_build
    load_shopify = PythonOperator(
        task_id='load_shopify',
        python_callable=runtime.load_source,
        op_kwargs={"store": STORE, "source": 'shopify'},
        execution_timeout=timedelta(hours=2),
    )
    load_shopify >> dbt_build
