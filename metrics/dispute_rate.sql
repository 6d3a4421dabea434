-- metric: dispute_rate
-- title: Dispute rate
-- definition: Share of orders that had a dispute opened (open, won or lost), counted
--   against the day the order was placed (as kpi_disputes).
-- numerator: orders with dispute_status <> 'none' (fact_orders)
-- denominator: orders (fact_orders)
-- grain: one row for the window; orders by order_dt
-- owner: payments & trust analytics
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
    sum(case when dispute_status <> 'none' then 1 else 0 end) as numerator,
    count(*) as denominator,
    cast(sum(case when dispute_status <> 'none' then 1 else 0 end) as double)
        / nullif(count(*), 0) as value
from orders
