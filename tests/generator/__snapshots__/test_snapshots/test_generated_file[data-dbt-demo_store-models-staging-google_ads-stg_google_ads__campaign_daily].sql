-- Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
-- One row per Google Ads customer, campaign and day. The day is the customer's own calendar day (its
-- time zone) and money is in the customer's currency, both as Google reports them; converting either to
-- the store's belongs to the marts. Ids are text so that every ad platform's rows can be stacked.
select
    'google_ads' as platform,
    cast(customer_id as {{ dbt.type_string() }}) as account_id,
    cast(campaign_id as {{ dbt.type_string() }}) as campaign_id,
    campaign_name,
    campaign_status,
    date as date_account,
    currency_code as account_currency,
    time_zone as account_timezone,
    {{ money('cost') }} as spend,
    impressions,
    clicks,
    conversions,
    {{ money('conversions_value') }} as conversions_value,
    'google_ads:' || cast(customer_id as {{ dbt.type_string() }}) || ':' || cast(campaign_id as {{ dbt.type_string() }})
        || ':' || cast(date as {{ dbt.type_string() }}) as row_key
from {{ source('google_ads', 'campaign_daily') }}
