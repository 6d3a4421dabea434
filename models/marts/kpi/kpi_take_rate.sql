-- Marketplace take per order day × city × currency: take = GMV − seller payouts. Orders not
-- paid out yet count fully in take_cents; settled_* restricts to paid-out orders, so
-- take_rate = settled take / settled GMV is the rate actually realized.
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
        sum(payout_cents) as payout_cents,
        sum(amount_cents) - sum(payout_cents) as take_cents,
        sum(case when is_paid_out then 1 else 0 end) as n_paid_out_orders,
        sum(case when is_paid_out then amount_cents else 0 end) as settled_gmv_cents,
        sum(case when is_paid_out then amount_cents - payout_cents else 0 end) as settled_take_cents,
        cast(sum(case when is_paid_out then amount_cents - payout_cents else 0 end) as double)
            / nullif(sum(case when is_paid_out then amount_cents else 0 end), 0) as take_rate
    from orders
    group by 1, 2, 3

)

select * from final
