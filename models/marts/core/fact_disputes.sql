-- One row per disputed order: when it was opened, and how it closed (if it has).
with order_events as (

    select * from {{ ref('stg_silver__order_events') }}

),

sessionized as (

    select * from {{ ref('int_family_event_identities') }}

),

orders as (

    select * from {{ ref('fact_orders') }}

),

opened as (

    select *
    from (
        select
            order_events.*,
            row_number() over (partition by order_id order by event_at, event_id) as open_number
        from order_events
        where event_name = 'dispute.opened'
    ) as numbered
    where open_number = 1

),

closed as (

    select *
    from (
        select
            order_events.*,
            row_number() over (partition by order_id order by event_at desc, event_id desc)
                as close_recency
        from order_events
        where event_name = 'dispute.closed'
    ) as numbered
    where close_recency = 1

),

final as (

    select
        opened.order_id,
        opened.event_id as opened_event_id,
        opened.event_at as opened_at,
        closed.event_at as closed_at,
        coalesce(closed.dispute_outcome, 'open') as dispute_status,
        sessionized.identity_id,
        orders.amount_cents as order_amount_cents,
        orders.currency,
        orders.city_id,
        opened.event_dt as opened_dt
    from opened
    inner join sessionized on sessionized.event_id = opened.event_id
    left join closed on closed.order_id = opened.order_id
    left join orders on orders.order_id = opened.order_id

)

select * from final
