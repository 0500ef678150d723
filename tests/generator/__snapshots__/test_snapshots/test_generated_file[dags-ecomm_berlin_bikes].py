# Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
"""Airflow DAG of the store `berlin-bikes`: load each source, then build the dbt marts.

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

STORE = 'ecomm_pipelines.berlin_bikes'

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
    dag_id='ecomm_berlin_bikes',
    description='Berlin Bikes GmbH: load ecb, shopify, then build the dbt marts',
    doc_md='### Berlin Bikes GmbH\n\n\n\n- store: `berlin-bikes` (config: `config/merchants/berlin-bikes.yaml`)\n- time zone: Europe/Berlin; reporting currency: EUR\n- schedule: `30 5 * * *` (Europe/Berlin); data from 2025-01-01\n- warehouse: BigQuery `northwind-analytics` (EU), datasets `berlin_bikes_*`\n- source `ecb`: \n- source `shopify`: customers, orders, products\n',
    schedule='30 5 * * *',
    start_date=pendulum.datetime(2025, 1, 1, tz='Europe/Berlin'),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=6),
    default_args=default_args,
    tags=['de', 'ecb', 'ecomm', 'shopify', 'store:berlin-bikes', 'tier-1'],
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
    load_shopify = PythonOperator(
        task_id='load_shopify',
        python_callable=runtime.load_source,
        op_kwargs={"store": STORE, "source": 'shopify'},
        execution_timeout=timedelta(hours=2),
    )
    load_shopify >> dbt_build
