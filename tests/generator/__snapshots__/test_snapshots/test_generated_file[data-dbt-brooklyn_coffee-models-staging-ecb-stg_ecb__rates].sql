-- Generated from config/merchants/brooklyn-coffee.yaml by `ecomm generate` — do not edit.
-- One row per ECB publication day and currency: units of `currency` per 1 EUR, exact as published.
-- Days without a publication (weekends, TARGET holidays) have no rows; the as-of fill belongs to the
-- currency models.
select
    rate_date,
    currency,
    {{ money('rate') }} as units_per_eur,
    currency || ':' || cast(rate_date as {{ dbt.type_string() }}) as rate_key
from {{ source('ecb', 'rates') }}
