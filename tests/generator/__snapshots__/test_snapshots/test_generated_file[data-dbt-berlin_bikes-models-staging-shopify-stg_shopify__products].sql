-- Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
-- One row per product.
select
    'berlin-bikes' as merchant_id,
    id as product_id,
    title,
    handle,
    vendor,
    product_type,
    status,
    created_at,
    updated_at
from {{ source('shopify', 'products') }}
