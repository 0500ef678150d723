-- One row per product.
select
    [[ slug | sql_string ]] as merchant_id,
    id as product_id,
    title,
    handle,
    vendor,
    product_type,
    status,
    created_at,
    updated_at
from {{ source('shopify', 'products') }}
