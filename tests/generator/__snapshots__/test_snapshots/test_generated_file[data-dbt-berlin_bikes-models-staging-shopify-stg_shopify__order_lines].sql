-- Generated from config/merchants/berlin-bikes.yaml by `ecomm generate` — do not edit.
-- One row per order line item: unit price, quantity and the discounts and taxes allocated to it.
with allocations as (
    select _dlt_parent_id as line_row_id, sum({{ money('amount_set__shop_money__amount') }}) as discount
    from {{ source('shopify', 'orders__line_items__discount_allocations') }}
    group by 1
),

taxes as (
    select _dlt_parent_id as line_row_id, sum({{ money('price_set__shop_money__amount') }}) as tax
    from {{ source('shopify', 'orders__line_items__tax_lines') }}
    group by 1
)

select
    orders.merchant_id,
    orders.order_id,
    lines.id as line_id,
    lines.product_id,
    lines.variant_id,
    lines.sku,
    lines.quantity,
    coalesce(lines.gift_card, false) as is_gift_card,
    {{ money('lines.price_set__shop_money__amount') }} as unit_price,
    {{ money('lines.price_set__shop_money__amount') }} * lines.quantity as gross_amount,
    coalesce(allocations.discount, 0) as discount_amount,
    coalesce(taxes.tax, 0) as tax_amount
from {{ source('shopify', 'orders__line_items') }} as lines
inner join {{ ref('stg_shopify__orders') }} as orders on lines._dlt_parent_id = orders.order_row_id
left join allocations on allocations.line_row_id = lines._dlt_id
left join taxes on taxes.line_row_id = lines._dlt_id
