{{ config(**upsert_config('event_id', partitioned_by=['event_dt'])) }}

-- ATT-2/ATT-3: every marketing touch (one row per event_id, so a duplicate delivery counts
-- once, also inside a burst) with its fraud-burst verdict. A burst is a run of touches of one
-- device (and, separately, one identity) on one utm_campaign, each under the burst gap after
-- the previous one; a burst of more than N touches is invalid in full. Conversion windows are
-- applied later (int_attribution_paths): bursts do not depend on any conversion.
-- Incremental: a verdict depends only on the touches sharing its (device, campaign) and its
-- (identity, campaign), so a build recomputes the touches of every such key that a touch
-- fact_events rewrote (new, late or re-stitched) belongs to, or belonged to before, from
-- complete keys: this model's kept rows stand in for the unchanged touches.
{%- set burst_gap_ms = var('lakehouse__attribution_burst_gap_minutes') * 60 * 1000 %}
{%- set max_touches = var('lakehouse__attribution_fraud_max_touches') %}
{%- set touch_columns = [
    'event_id', 'event_name', 'event_at', 'identity_id', 'device_id', 'utm_source',
    'utm_medium', 'utm_campaign', 'click_token', 'channel', 'event_dt'] %}

with touches as (

    select
        {{ touch_columns | join(', ') }},
        row_number() over (partition by event_id order by received_at, event_at) as delivery
    from {{ ref('fact_events') }} as events
    where event_name in (
            'growth.alert.click', 'digest.click', 'sharecard.click', 'search.result_click',
            'landing.view', 'email.click', 'promo.click'
        )
        and (click_token is not null or coalesce(utm_medium, '(direct)') <> '(direct)')
        {% if is_incremental() %}
        and {{ rewritten_since_built('events') }}
        {% endif %}

),

{% if is_incremental() %}

changed_touches as (

    select {{ touch_columns | join(', ') }} from touches
    where delivery = 1

),

-- every touch as of now: the rewritten ones, and the kept rows of the others
current_touches as (

    select * from changed_touches
    union all
    select {{ touch_columns | join(', ') }} from {{ this }} as kept
    where kept.event_id not in (select event_id from changed_touches)

),

-- the keys whose bursts may have changed: those of the rewritten touches, and the identity
-- a re-stitched touch had before (its device and campaign never change). NULL campaigns
-- match as '': a key matched too broadly only recomputes more rows, from complete keys.
dirty_device_keys as (

    select device_id, coalesce(utm_campaign, '') as campaign from changed_touches

),

dirty_identity_keys as (

    select identity_id, coalesce(utm_campaign, '') as campaign from changed_touches
    union all
    select kept.identity_id, coalesce(kept.utm_campaign, '') from {{ this }} as kept
    where kept.event_id in (select event_id from changed_touches)

),

rebuilt_touches as (

    select * from current_touches as t
    where t.event_id in (select event_id from changed_touches)
       or exists (
            select 1 from dirty_device_keys as k
            where k.device_id = t.device_id and k.campaign = coalesce(t.utm_campaign, ''))
       or exists (
            select 1 from dirty_identity_keys as k
            where k.identity_id = t.identity_id and k.campaign = coalesce(t.utm_campaign, ''))

),

-- the windows' input: every touch on a key of a rebuilt touch, so each rebuilt touch's
-- device and identity bursts are counted from all their touches
unique_touches as (

    select * from current_touches as t
    where exists (
            select 1 from rebuilt_touches as k
            where k.device_id = t.device_id
              and coalesce(k.utm_campaign, '') = coalesce(t.utm_campaign, ''))
       or exists (
            select 1 from rebuilt_touches as k
            where k.identity_id = t.identity_id
              and coalesce(k.utm_campaign, '') = coalesce(t.utm_campaign, ''))
       or t.event_id in (select event_id from rebuilt_touches)

),

{% else %}

unique_touches as (

    select {{ touch_columns | join(', ') }} from touches
    where delivery = 1

),

{% endif %}

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
        {{ gold_built_at() }} as gold_built_at,
        event_dt
    from burst_sizes
    {% if is_incremental() %}
    where event_id in (select event_id from rebuilt_touches)
    {% endif %}

)

select * from final
