-- metric: chargeback_win_rate
-- title: Chargeback win rate
-- definition: Of the disputes that are closed, the share the marketplace won; open
--   disputes are excluded; NULL when no dispute is closed.
-- numerator: orders with dispute_status = 'won' (fact_orders)
-- denominator: orders with dispute_status in ('won', 'lost') (fact_orders)
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
    sum(case when dispute_status = 'won' then 1 else 0 end) as numerator,
    sum(case when dispute_status in ('won', 'lost') then 1 else 0 end) as denominator,
    cast(sum(case when dispute_status = 'won' then 1 else 0 end) as double)
        / nullif(sum(case when dispute_status in ('won', 'lost') then 1 else 0 end), 0) as value
from orders
