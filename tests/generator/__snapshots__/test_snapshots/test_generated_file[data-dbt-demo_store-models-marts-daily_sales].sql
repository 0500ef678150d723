-- Generated from config/merchants/demo-store.yaml by `ecomm generate` — do not edit.
-- One row per store-local day (event timing, analytics definitions §1.2): sales count on the order's
-- local date, returns on the local date the refund was processed, so a day's net sales can be
-- negative. Every day between the first and the last event has a row, zero days included.
with orders as (
    select * from {{ ref('fct_orders') }}
),

sales as (
    select
        order_local_date as sales_date,
        count(*) as orders,
        sum(units_sold) as units_sold,
        sum(gross_sales) as gross_sales,
        sum(discounts) as discounts,
        sum(shipping) as shipping,
        sum(sale_taxes) as sale_taxes,
        count(distinct case when customer_type = 'new' then customer_key end) as customers_new,
        count(distinct case when customer_type = 'returning' then customer_key end) as customers_returning
    from orders
    group by 1
),

returns as (
    select
        refund_lines.refund_local_date as sales_date,
        sum(refund_lines.quantity) as units_returned,
        sum(refund_lines.subtotal) as returns,
        sum(refund_lines.total_tax) as refunded_taxes
    from {{ ref('stg_shopify__refund_lines') }} as refund_lines
    inner join orders on orders.order_id = refund_lines.order_id
    group by 1
),

event_days as (
    select sales_date from sales
    union all
    select sales_date from returns
),

days as (
    {{ days_between('(select min(sales_date) from event_days)', '(select max(sales_date) from event_days)') }}
),

daily as (
    select
        days.day as sales_date,
        coalesce(sales.orders, 0) as orders,
        coalesce(sales.units_sold, 0) as units_sold,
        coalesce(returns.units_returned, 0) as units_returned,
        coalesce(sales.gross_sales, 0) as gross_sales,
        coalesce(sales.discounts, 0) as discounts,
        coalesce(returns.returns, 0) as returns,
        coalesce(sales.shipping, 0) as shipping,
        coalesce(sales.sale_taxes, 0) - coalesce(returns.refunded_taxes, 0) as taxes,
        coalesce(sales.customers_new, 0) as customers_new,
        coalesce(sales.customers_returning, 0) as customers_returning
    from days
    left join sales on sales.sales_date = days.day
    left join returns on returns.sales_date = days.day
)

select
    'demo-store' as merchant_id,
    sales_date,
    orders,
    units_sold,
    units_returned,
    gross_sales,
    discounts,
    returns,
    gross_sales - discounts - returns as net_sales,
    shipping,
    taxes,
    gross_sales - discounts - returns + shipping + taxes as total_sales,
    {{ safe_ratio('gross_sales - discounts', 'orders') }} as aov,
    customers_new,
    customers_returning
from daily
