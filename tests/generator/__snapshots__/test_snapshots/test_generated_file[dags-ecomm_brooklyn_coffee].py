# Generated from config/merchants/brooklyn-coffee.yaml by `ecomm generate` — do not edit.
"""Airflow DAG of the store `brooklyn-coffee`: load each source, then build the dbt marts.

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

STORE = 'ecomm_pipelines.brooklyn_coffee'

default_args = {
    "owner": 'northwind-data',
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(hours=1),
    "email": ['data-alerts@northwind.example', 'ops@brooklyn-coffee.example'],
    "email_on_failure": True,
    "email_on_retry": False,
}

with DAG(
    dag_id='ecomm_brooklyn_coffee',
    description='Brooklyn Coffee Roasters: load ecb, shopify, then build the dbt marts',
    doc_md='### Brooklyn Coffee Roasters\n\n\n\n- store: `brooklyn-coffee` (config: `config/merchants/brooklyn-coffee.yaml`)\n- time zone: America/New_York; reporting currency: USD\n- schedule: `0 7 * * *` (America/New_York); data from 2025-06-01\n- warehouse: BigQuery `northwind-analytics` (US), datasets `brooklyn_coffee_*`\n- source `ecb`: \n- source `shopify`: customers, orders\n',
    schedule='0 7 * * *',
    start_date=pendulum.datetime(2025, 6, 1, tz='America/New_York'),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=6),
    default_args=default_args,
    tags=['ecb', 'ecomm', 'shopify', 'store:brooklyn-coffee'],
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
