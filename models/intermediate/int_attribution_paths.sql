-- The path to each conversion: every valid touch (ATT-3 survivors) of the converting
-- identity with converted_at − lookback ≤ touch time ≤ converted_at (ATT-2), numbered in
-- time order for the multi-touch models, and ranked by ATT-4 precedence (click proof, then
-- latest, then greatest event_id) for last-non-direct. Conversions without a touch have
-- no rows here.
with conversions as (

    select * from {{ ref('int_attribution_conversions') }}

),

touches as (

    select * from {{ ref('int_attribution_touches') }}
    where is_valid

),

in_window as (

    select
        conversions.conversion_type,
        conversions.conversion_id,
        conversions.identity_id,
        conversions.converted_at,
        conversions.lookback_days,
        touches.event_id as touch_event_id,
        touches.event_at as touch_at,
        touches.event_name as touch_event_name,
        touches.channel,
        touches.utm_source,
        touches.utm_medium,
        touches.utm_campaign,
        touches.has_click_proof
    from conversions
    inner join touches
        on touches.identity_id = conversions.identity_id
        and touches.event_at <= conversions.converted_at
        and touches.event_at >= {{ dbt.dateadd('day', '-conversions.lookback_days', 'conversions.converted_at') }}

),

final as (

    select
        in_window.*,
        row_number() over (
            partition by conversion_type, conversion_id order by touch_at, touch_event_id
        ) as touch_number,
        count(*) over (partition by conversion_type, conversion_id) as n_touches,
        row_number() over (
            partition by conversion_type, conversion_id
            order by has_click_proof desc, touch_at desc, touch_event_id desc
        ) as precedence_rank
    from in_window

)

select * from final
