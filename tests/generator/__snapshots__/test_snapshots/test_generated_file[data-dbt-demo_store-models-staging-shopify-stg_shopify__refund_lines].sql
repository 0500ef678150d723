-- Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
-- One row per refunded line: the goods value handed back (after line discounts) and its tax,
-- dated when the refund was processed. Shopify sends `subtotal` as a JSON float, so the exact
-- `subtotal_set` strings are used instead.
select
    orders.merchant_id,
    orders.order_id,
    refunds.id as refund_id,
    refund_lines.id as refund_line_id,
    refund_lines.line_item_id as line_id,
    refund_lines.quantity,
    {{ money('refund_lines.subtotal_set__shop_money__amount') }} as subtotal,
    {{ money('refund_lines.total_tax_set__shop_money__amount') }} as total_tax,
    coalesce(refunds.processed_at, refunds.created_at) as refunded_at,
    {{ local_date('coalesce(refunds.processed_at, refunds.created_at)') }} as refund_local_date
from {{ source('shopify', 'orders__refunds__refund_line_items') }} as refund_lines
inner join {{ source('shopify', 'orders__refunds') }} as refunds on refund_lines._dlt_parent_id = refunds._dlt_id
inner join {{ ref('stg_shopify__orders') }} as orders on refunds._dlt_parent_id = orders.order_row_id
