-- Growth surface events: one row per event, payload fields cast to columns.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('landing.view', 'growth.alert.click', 'digest.click', 'sharecard.click', 'email.sent', 'email.open', 'email.click')

),

final as (

    select
        event_id,
        event_name,
        {{ utc_timestamp('event_ts') }} as event_at,
        event_dt,
        {{ utc_timestamp('silver_loaded_at') }} as silver_loaded_at,
        {{ payload_value('payload', 'campaign_id') }} as campaign_id,
        {{ payload_value('payload', 'landing_id') }} as landing_id

    from source

)

select * from final
