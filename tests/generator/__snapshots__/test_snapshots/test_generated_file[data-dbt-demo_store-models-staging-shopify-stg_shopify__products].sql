-- Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
-- One row per product.
select
    'demo-store' as merchant_id,
    id as product_id,
    title,
    handle,
    vendor,
    product_type,
    status,
    created_at,
    updated_at
from {{ source('shopify', 'products') }}
