-- metric: take_rate
-- title: Take rate
-- definition: Realized marketplace take on paid-out orders: (GMV - seller payouts) / GMV,
--   both restricted to orders already paid out (as kpi_take_rate), per currency.
-- numerator: sum(amount_cents - payout_cents) of paid-out orders (fact_orders)
-- denominator: sum(amount_cents) of paid-out orders (fact_orders)
-- grain: one row per currency for the window; orders by order_dt
-- owner: finance analytics
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
    currency,
    sum(case when is_paid_out then amount_cents - payout_cents else 0 end) as numerator,
    sum(case when is_paid_out then amount_cents else 0 end) as denominator,
    cast(sum(case when is_paid_out then amount_cents - payout_cents else 0 end) as double)
        / nullif(sum(case when is_paid_out then amount_cents else 0 end), 0) as value
from orders
group by 1
order by 1
