-- message.sent events: one row per event, payload fields cast to columns.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('message.sent')

),

final as (

    select
        event_id,
        event_name,
        {{ utc_timestamp('event_ts') }} as event_at,
        event_dt,
        {{ utc_timestamp('silver_loaded_at') }} as silver_loaded_at,
        {{ payload_value('payload', 'thread_id') }} as thread_id,
        {{ payload_value('payload', 'to_profile_id') }} as to_profile_id

    from source

)

select * from final
