-- One row per order (first checkout.complete of each order_id) with its aftermath:
-- refunds, dispute and seller payout so far.
with checkout_events as (

    select * from {{ ref('stg_silver__checkout_events') }}

),

order_events as (

    select * from {{ ref('stg_silver__order_events') }}

),

sessionized as (

    select * from {{ ref('int_family_event_identities') }}

),

profiles as (

    select * from {{ ref('dim_profile') }}

),

orders as (

    select *
    from (
        select
            checkout_events.*,
            row_number() over (partition by order_id order by event_at, event_id) as order_number
        from checkout_events
        where event_name = 'checkout.complete'
    ) as numbered
    where order_number = 1

),

refunds as (

    select
        order_id,
        count(*) as n_refunds,
        sum(amount_cents) as refunded_cents,
        min(event_at) as first_refunded_at
    from order_events
    where event_name = 'order.refunded'
    group by order_id

),

disputes as (

    select
        order_id,
        min(case when event_name = 'dispute.opened' then event_at end) as dispute_opened_at,
        max(case when event_name = 'dispute.closed' then dispute_outcome end) as dispute_outcome
    from order_events
    where event_name in ('dispute.opened', 'dispute.closed')
    group by order_id

),

payouts as (

    select
        order_id,
        sum(amount_cents) as payout_cents,
        min(event_at) as paid_out_at
    from order_events
    where event_name = 'payout.paid'
    group by order_id

),

final as (

    select
        orders.order_id,
        orders.event_id,
        orders.event_at as ordered_at,
        sessionized.identity_id,
        sessionized.user_id as buyer_user_id,
        sessionized.session_id,
        orders.checkout_id,
        orders.profile_id,
        profiles.studio_id,
        profiles.city_id,
        orders.amount_cents,
        orders.currency,
        coalesce(refunds.n_refunds, 0) as n_refunds,
        coalesce(refunds.refunded_cents, 0) as refunded_cents,
        refunds.first_refunded_at,
        refunds.order_id is not null as is_refunded,
        coalesce(refunds.refunded_cents, 0) >= orders.amount_cents as is_fully_refunded,
        disputes.dispute_opened_at,
        case
            when disputes.order_id is null then 'none'
            when disputes.dispute_outcome is null then 'open'
            else disputes.dispute_outcome
        end as dispute_status,
        coalesce(payouts.payout_cents, 0) as payout_cents,
        payouts.paid_out_at,
        payouts.order_id is not null as is_paid_out,
        orders.event_dt as order_dt
    from orders
    inner join sessionized on sessionized.event_id = orders.event_id
    left join profiles on profiles.profile_id = orders.profile_id
    left join refunds on refunds.order_id = orders.order_id
    left join disputes on disputes.order_id = orders.order_id
    left join payouts on payouts.order_id = orders.order_id

)

select * from final
