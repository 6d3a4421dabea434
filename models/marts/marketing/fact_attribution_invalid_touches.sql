-- ATT-3: every touch the fraud filter discarded, with the reason and the size of the burst
-- that condemned it, so a discarded click can always be explained.
with touches as (

    select * from {{ ref('int_attribution_touches') }}

),

final as (

    select
        event_id as touch_event_id,
        event_name,
        event_at as touch_ts,
        identity_id,
        device_id,
        utm_source,
        utm_medium,
        utm_campaign,
        channel,
        has_click_proof,
        invalid_reason,
        device_burst_touches,
        identity_burst_touches,
        event_dt
    from touches
    where not is_valid

)

select * from final
