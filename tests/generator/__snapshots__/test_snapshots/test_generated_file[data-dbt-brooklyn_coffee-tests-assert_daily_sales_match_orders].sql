-- Generated from config/merchants/brooklyn-coffee.yaml by `ecomm generate` — do not edit.
-- Reconciliation: over all time, the daily facts and the order facts agree on every sales component
-- (event and order timing give the same totals, invariant S6), and every day's net sales equal
-- gross - discounts - returns (S1). Returns the mismatching measure, if any.
with by_day as (
    select
        sum(orders) as orders, sum(gross_sales) as gross_sales, sum(discounts) as discounts,
        sum(returns) as returns, sum(net_sales) as net_sales, sum(taxes) as taxes,
        sum(case when net_sales != gross_sales - discounts - returns then 1 else 0 end) as unbalanced_days
    from {{ ref('daily_sales') }}
),

by_order as (
    select
        count(*) as orders, sum(gross_sales) as gross_sales, sum(discounts) as discounts,
        sum(returns) as returns, sum(net_sales) as net_sales, sum(taxes) as taxes
    from {{ ref('fct_orders') }}
)

select 'mismatch' as problem, by_day.net_sales as daily_net_sales, by_order.net_sales as order_net_sales
from by_day cross join by_order
where by_day.orders != by_order.orders
    or by_day.gross_sales != by_order.gross_sales
    or by_day.discounts != by_order.discounts
    or by_day.returns != by_order.returns
    or by_day.net_sales != by_order.net_sales
    or by_day.taxes != by_order.taxes
    or by_day.unbalanced_days > 0
