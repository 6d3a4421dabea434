-- Refunds by the day the order was placed × city × currency (cohort view: a refund counts
-- against its order's day). refund_rate = refunded orders / orders.
with orders as (

    select * from {{ ref('fact_orders') }}

),

final as (

    select
        order_dt,
        coalesce(city_id, '(unknown)') as city_id,
        currency,
        count(*) as n_orders,
        sum(amount_cents) as gmv_cents,
        sum(case when is_refunded then 1 else 0 end) as n_refunded_orders,
        sum(case when is_fully_refunded then 1 else 0 end) as n_fully_refunded_orders,
        sum(n_refunds) as n_refunds,
        sum(refunded_cents) as refunded_cents,
        cast(sum(case when is_refunded then 1 else 0 end) as double) / count(*) as refund_rate
    from orders
    group by 1, 2, 3

)

select * from final
