-- Gross merchandise value per order day (UTC) × city × currency: every completed order at
-- its full amount, refunds not deducted (see kpi_refunds).
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
        count(distinct identity_id) as n_buyers
    from orders
    group by 1, 2, 3

)

select * from final
