-- Generated from config/merchants/brooklyn-coffee.yaml by `ecomm generate` — do not edit.
-- One row per valid order (analytics definitions §1.3, §1.6, §1.8), in shop currency.
-- Valid: not a test order, not cancelled, not voided, and with at least one non-gift-card line.
-- `returns` and `refunded_taxes` are lifetime totals of the order's refunds, whenever they happened.
with orders as (
    select *
    from {{ ref('stg_shopify__orders') }}
    where not is_test
        and cancelled_at is null
        and coalesce(financial_status, '') != 'voided'
),

lines as (
    select
        order_id,
        sum(gross_amount) as gross_sales,
        sum(discount_amount) as discounts,
        sum(quantity) as units_sold
    from {{ ref('stg_shopify__order_lines') }}
    where not is_gift_card
    group by 1
),

shipping as (
    select order_id, sum(discounted_price) as shipping
    from {{ ref('stg_shopify__shipping_lines') }}
    group by 1
),

refunds as (
    select
        order_id,
        sum(subtotal) as returns,
        sum(total_tax) as refunded_taxes,
        sum(quantity) as units_returned
    from {{ ref('stg_shopify__refund_lines') }}
    group by 1
),

valid as (
    select
        orders.*,
        coalesce(cast(orders.customer_id as {{ dbt.type_string() }}), orders.email) as customer_key,
        lines.gross_sales,
        lines.discounts,
        lines.units_sold,
        coalesce(shipping.shipping, 0) as shipping,
        coalesce(refunds.returns, 0) as returns,
        coalesce(refunds.refunded_taxes, 0) as refunded_taxes,
        coalesce(refunds.units_returned, 0) as units_returned
    from orders
    inner join lines on lines.order_id = orders.order_id
    left join shipping on shipping.order_id = orders.order_id
    left join refunds on refunds.order_id = orders.order_id
),

sequenced as (
    select
        *,
        case when customer_key is not null then row_number() over (
            partition by merchant_id, customer_key order by processed_at, order_id
        ) end as customer_order_seq
    from valid
)

select
    merchant_id,
    order_id,
    order_name,
    processed_at as order_ts_utc,
    order_local_date,
    shop_currency,
    presentment_currency,
    customer_key,
    customer_order_seq,
    case
        when customer_order_seq is null then 'unknown'
        when customer_order_seq = 1 then 'new'
        else 'returning'
    end as customer_type,
    financial_status,
    source_name,
    landing_site,
    referring_site,
    units_sold,
    units_returned,
    gross_sales,
    discounts,
    returns,
    gross_sales - discounts - returns as net_sales,
    shipping,
    total_tax as sale_taxes,
    refunded_taxes,
    total_tax - refunded_taxes as taxes,
    gross_sales - discounts - returns + shipping + total_tax - refunded_taxes as total_sales
from sequenced
