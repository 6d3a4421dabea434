-- Messages buyers sent to profiles (message.sent), one row each.
with messages as (

    select * from {{ ref('stg_silver__messages') }}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }}

),

profiles as (

    select * from {{ ref('dim_profile') }}

),

final as (

    select
        messages.event_id,
        messages.event_at as sent_at,
        sessionized.identity_id,
        sessionized.session_id,
        messages.thread_id,
        messages.to_profile_id,
        profiles.city_id,
        messages.event_dt as sent_dt
    from messages
    inner join sessionized on sessionized.event_id = messages.event_id
    left join profiles on profiles.profile_id = messages.to_profile_id

)

select * from final
