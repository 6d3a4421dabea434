-- One row per checkout (first checkout.start of each checkout_id), with its completion.
with checkout_events as (

    select * from {{ ref('stg_silver__checkout_events') }}

),

sessionized as (

    select * from {{ ref('int_family_event_identities') }}

),

profiles as (

    select * from {{ ref('dim_profile') }}

),

starts as (

    select *
    from (
        select
            checkout_events.*,
            row_number() over (partition by checkout_id order by event_at, event_id) as start_number
        from checkout_events
        where event_name = 'checkout.start'
    ) as numbered
    where start_number = 1

),

completions as (

    select
        checkout_id,
        min(event_at) as completed_at,
        min(order_id) as order_id
    from checkout_events
    where event_name = 'checkout.complete'
    group by checkout_id

),

final as (

    select
        starts.checkout_id,
        starts.event_id,
        starts.event_at as started_at,
        sessionized.identity_id,
        sessionized.session_id,
        starts.profile_id,
        profiles.city_id,
        starts.amount_cents,
        starts.currency,
        completions.order_id,
        completions.completed_at,
        completions.order_id is not null as is_completed,
        starts.event_dt as started_dt
    from starts
    inner join sessionized on sessionized.event_id = starts.event_id
    left join profiles on profiles.profile_id = starts.profile_id
    left join completions on completions.checkout_id = starts.checkout_id

)

select * from final
