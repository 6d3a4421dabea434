-- ATT-2/ATT-3: every marketing touch (one row per event_id, so a duplicate delivery counts
-- once, also inside a burst) with its fraud-burst verdict. A burst is a run of touches of one
-- device (and, separately, one identity) on one utm_campaign, each under the burst gap after
-- the previous one; a burst of more than N touches is invalid in full. Conversion windows are
-- applied later (int_attribution_paths): bursts do not depend on any conversion.
{%- set burst_gap_ms = var('lakehouse__attribution_burst_gap_minutes') * 60 * 1000 %}
{%- set max_touches = var('lakehouse__attribution_fraud_max_touches') %}
with events as (

    select * from {{ ref('fact_events') }}

),

touches as (

    select
        event_id,
        event_name,
        event_at,
        identity_id,
        device_id,
        utm_source,
        utm_medium,
        utm_campaign,
        click_token,
        channel,
        event_dt,
        row_number() over (partition by event_id order by received_at, event_at) as delivery
    from events
    where event_name in (
            'growth.alert.click', 'digest.click', 'sharecard.click', 'search.result_click',
            'landing.view', 'email.click', 'promo.click'
        )
        and (click_token is not null or coalesce(utm_medium, '(direct)') <> '(direct)')

),

unique_touches as (

    select * from touches
    where delivery = 1

),

gaps as (

    select
        unique_touches.*,
        {{ millis_between(
            'lag(event_at) over (partition by device_id, utm_campaign order by event_at, event_id)',
            'event_at') }} as device_gap_ms,
        {{ millis_between(
            'lag(event_at) over (partition by identity_id, utm_campaign order by event_at, event_id)',
            'event_at') }} as identity_gap_ms
    from unique_touches

),

burst_numbers as (

    select
        gaps.*,
        sum(case when device_gap_ms is null or device_gap_ms >= {{ burst_gap_ms }} then 1 else 0 end)
            over (
                partition by device_id, utm_campaign order by event_at, event_id
                rows between unbounded preceding and current row
            ) as device_burst_number,
        sum(case when identity_gap_ms is null or identity_gap_ms >= {{ burst_gap_ms }} then 1 else 0 end)
            over (
                partition by identity_id, utm_campaign order by event_at, event_id
                rows between unbounded preceding and current row
            ) as identity_burst_number
    from gaps

),

burst_sizes as (

    select
        burst_numbers.*,
        -- a touch without a device (or identity) id belongs to no burst on that key
        case when device_id is null then 1 else count(*) over (
            partition by device_id, utm_campaign, device_burst_number
        ) end as device_burst_touches,
        case when identity_id is null then 1 else count(*) over (
            partition by identity_id, utm_campaign, identity_burst_number
        ) end as identity_burst_touches
    from burst_numbers

),

final as (

    select
        event_id,
        event_name,
        event_at,
        identity_id,
        device_id,
        utm_source,
        utm_medium,
        utm_campaign,
        click_token,
        click_token is not null as has_click_proof,
        channel,
        device_burst_touches,
        identity_burst_touches,
        case
            when device_burst_touches > {{ max_touches }} then 'fraud_burst_device'
            when identity_burst_touches > {{ max_touches }} then 'fraud_burst_identity'
        end as invalid_reason,
        device_burst_touches <= {{ max_touches }}
            and identity_burst_touches <= {{ max_touches }} as is_valid,
        event_dt
    from burst_sizes

)

select * from final
