-- profile.view events: one row per event, payload fields cast to columns.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('profile.view')

),

final as (

    select
        event_id,
        event_name,
        {{ utc_timestamp('event_ts') }} as event_at,
        event_dt,
        {{ utc_timestamp('silver_loaded_at') }} as silver_loaded_at,
        {{ payload_value('payload', 'profile_id') }} as profile_id,
        {{ payload_value('payload', 'studio_id') }} as studio_id

    from source

)

select * from final
