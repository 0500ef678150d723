-- Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
-- One row per Shopify order, money in shop currency as exact decimals, timestamps as instants.
select
    'demo-store' as merchant_id,
    id as order_id,
    name as order_name,
    _dlt_id as order_row_id,
    processed_at,
    created_at,
    updated_at,
    cancelled_at,
    cancel_reason,
    coalesce(test, false) as is_test,
    financial_status,
    fulfillment_status,
    currency as shop_currency,
    presentment_currency,
    customer__id as customer_id,
    lower(trim(coalesce(email, customer__email))) as email,
    source_name,
    landing_site,
    referring_site,
    {{ money('total_price_set__shop_money__amount') }} as total_price,
    {{ money('subtotal_price_set__shop_money__amount') }} as subtotal_price,
    {{ money('total_tax_set__shop_money__amount') }} as total_tax,
    {{ money('total_discounts_set__shop_money__amount') }} as total_discounts,
    {{ money('total_shipping_price_set__shop_money__amount') }} as shipping_charged,
    {{ local_date('processed_at') }} as order_local_date
from {{ source('shopify', 'orders') }}
