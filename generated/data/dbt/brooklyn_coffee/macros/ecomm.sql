-- Generated from config/merchants/brooklyn-coffee.yaml by `ecomm generate` — do not edit.
{#- Portable building blocks: one model SQL for DuckDB and BigQuery, the dialect differences here. -#}

{#- Money is exact: DECIMAL(38, 9) / NUMERIC, never FLOAT. A bare DECIMAL in DuckDB is (18, 3). -#}
{% macro money(expression) -%}
    cast({{ expression }} as {{ ecomm_money_type() }})
{%- endmacro %}

{% macro ecomm_money_type() -%}
    {{ adapter.dispatch('money_type', 'ecomm')() }}
{%- endmacro %}

{% macro default__money_type() %}decimal(38, 9){% endmacro %}
{% macro bigquery__money_type() %}numeric{% endmacro %}

{#- The calendar date of an instant in the store's time zone (DST-aware, through the zone database). -#}
{% macro local_date(timestamp) -%}
    {{ adapter.dispatch('local_date', 'ecomm')(timestamp) }}
{%- endmacro %}

{% macro default__local_date(timestamp) -%}
    cast(timezone('{{ var("ecomm_timezone") }}', {{ timestamp }}) as date)
{%- endmacro %}

{% macro bigquery__local_date(timestamp) -%}
    date({{ timestamp }}, '{{ var("ecomm_timezone") }}')
{%- endmacro %}

{#- One row per day from `start_date` to `end_date` (both date expressions), column `day`. -#}
{% macro days_between(start_date, end_date) -%}
    {{ adapter.dispatch('days_between', 'ecomm')(start_date, end_date) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    select cast(generate_series as date) as day
    from generate_series(cast(({{ start_date }}) as timestamp), cast(({{ end_date }}) as timestamp), interval 1 day)
{%- endmacro %}

{% macro bigquery__days_between(start_date, end_date) -%}
    select day from unnest(generate_date_array(({{ start_date }}), ({{ end_date }}))) as day
{%- endmacro %}

{#- A ratio that is NULL, never 0 or infinity, when the denominator is 0 or NULL; kept as money. -#}
{% macro safe_ratio(numerator, denominator) -%}
    {{ money('(' ~ numerator ~ ') / nullif(' ~ denominator ~ ', 0)') }}
{%- endmacro %}
