-- One row per account-local day, Meta ad account and [[ meta_ads.level ]], in the account's currency.
-- `date_account` is the ad account's own calendar day: Meta cannot re-bucket spend to the store's zone.
select
    'meta_ads' as platform,
    account_id,
    cast(date as date) as date_account,
    account_currency,
    campaign_id,
    campaign_name,
    [[ meta_ads.entity_id | sql_identifier ]] as entity_id,
    {{ money('spend') }} as spend,
    impressions,
    clicks,
    reach,
    {{ money('purchases') }} as platform_conversions,
    {{ money('purchase_value') }} as platform_conversion_value,
    account_id || ':' || cast(date as {{ dbt.type_string() }}) || ':' || [[ meta_ads.entity_id | sql_identifier ]] as row_key
from {{ source('meta_ads', 'insights_daily') }}
