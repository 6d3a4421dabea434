-- metric: gmv
-- title: Gross merchandise value (GMV)
-- definition: Sum of completed order amounts at full value, refunds not deducted (see
--   refund_rate), per currency: amounts in different currencies are never added.
-- numerator: sum(amount_cents) of orders (fact_orders), in minor units of currency
-- denominator: none (a sum); n_orders is given for context
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
    count(*) as n_orders,
    sum(amount_cents) as gmv_cents
from orders
group by 1
order by 1
