-- Referral events: one row per event, payload fields cast to columns.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('referral.signup', 'referral.qualified')

),

final as (

    select
        event_id,
        event_name,
        {{ utc_timestamp('event_ts') }} as event_at,
        event_dt,
        {{ utc_timestamp('silver_loaded_at') }} as silver_loaded_at,
        {{ payload_value('payload', 'referrer_user_id') }} as referrer_user_id,
        {{ payload_value('payload', 'referral_code') }} as referral_code,
        {{ payload_value('payload', 'order_id') }} as order_id

    from source

)

select * from final
