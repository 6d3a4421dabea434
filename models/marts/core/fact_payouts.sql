-- One row per seller payout (payout.paid), with the paid order's amount and city.
with order_events as (

    select * from {{ ref('stg_silver__order_events') }}

),

sessionized as (

    select * from {{ ref('int_family_event_identities') }}

),

orders as (

    select * from {{ ref('fact_orders') }}

),

final as (

    select
        order_events.payout_id,
        order_events.event_id,
        order_events.event_at as paid_at,
        order_events.order_id,
        sessionized.identity_id as seller_identity_id,
        order_events.amount_cents,
        orders.amount_cents as order_amount_cents,
        orders.currency,
        orders.city_id,
        order_events.event_dt as paid_dt
    from order_events
    inner join sessionized on sessionized.event_id = order_events.event_id
    left join orders on orders.order_id = order_events.order_id
    where order_events.event_name = 'payout.paid'

)

select * from final
