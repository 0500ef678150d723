-- Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
-- One row per shipping line: the shipping charged after shipping discounts, and its tax.
with taxes as (
    select _dlt_parent_id as shipping_row_id, sum({{ money('price_set__shop_money__amount') }}) as tax
    from {{ source('shopify', 'orders__shipping_lines__tax_lines') }}
    group by 1
)

select
    orders.merchant_id,
    orders.order_id,
    shipping.id as shipping_line_id,
    {{ money('shipping.price_set__shop_money__amount') }} as price,
    {{ money('shipping.discounted_price_set__shop_money__amount') }} as discounted_price,
    coalesce(taxes.tax, 0) as tax_amount
from {{ source('shopify', 'orders__shipping_lines') }} as shipping
inner join {{ ref('stg_shopify__orders') }} as orders on shipping._dlt_parent_id = orders.order_row_id
left join taxes on taxes.shipping_row_id = shipping._dlt_id
