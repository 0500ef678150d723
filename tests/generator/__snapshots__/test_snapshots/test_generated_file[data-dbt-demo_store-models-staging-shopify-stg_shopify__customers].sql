-- Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
-- One row per customer. `orders_count` is Shopify's current lifetime count, not a history.
select
    'demo-store' as merchant_id,
    id as customer_id,
    lower(trim(email)) as email,
    orders_count,
    {{ money('total_spent') }} as total_spent,
    currency,
    created_at,
    updated_at
from {{ source('shopify', 'customers') }}
