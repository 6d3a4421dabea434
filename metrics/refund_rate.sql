-- metric: refund_rate
-- title: Refund rate
-- definition: Share of orders with at least one refund (partial or full), counted against
--   the day the order was placed (cohort view, as kpi_refunds).
-- numerator: orders with is_refunded = true (fact_orders)
-- denominator: orders (fact_orders)
-- grain: one row for the window; orders by order_dt (UTC day of checkout.complete)
-- owner: marketplace analytics
with params as (

    select date '1970-01-01' as start_dt, date '9999-12-31' as end_dt

),

orders as (

    select fact_orders.*
    from fact_orders
    cross join params
    where fact_orders.order_dt between params.start_dt and params.end_dt

)

select
    sum(case when is_refunded then 1 else 0 end) as numerator,
    count(*) as denominator,
    cast(sum(case when is_refunded then 1 else 0 end) as double) / nullif(count(*), 0) as value
from orders
