{{ config(**upsert_config('event_id', partitioned_by=['event_dt'])) }}

{%- if is_incremental() %}
{%- set from_dt = rebuilt_days_from(ref('int_events_sessionized')) %}
{%- endif %}
{%- set envelope = [
    'event_id', 'event_name', 'event_version', 'event_at', 'anon_id', 'user_id',
    'client_session_id', 'client_seq', 'device_id', 'event_source', 'page_path', 'referrer',
    'country_code', 'city_name', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content',
    'utm_term', 'click_token', 'has_analytics_consent', 'has_marketing_consent', 'payload',
    'received_at', 'silver_loaded_at', 'event_dt'] -%}

-- Every Silver event with its stitched identity and Gold session: where analysis starts.
-- Incremental: whole days from Silver from the first day int_events_sessionized rebuilt
-- whole; on earlier days, the built rows whose identity or session it rewrote.
with events as (

    {{ rebuilt_event_rows(ref('stg_silver__events'), envelope, from_dt) }}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }} as changed
    {% if is_incremental() %}
    where {{ rewritten_since_built('changed') }}
    {% endif %}

),

final as (

    select
        events.event_id,
        events.event_name,
        events.event_version,
        events.event_at,
        sessionized.identity_id,
        sessionized.session_id,
        sessionized.session_started_at,
        events.anon_id,
        events.user_id,
        events.client_session_id,
        events.client_seq,
        events.device_id,
        events.event_source,
        events.page_path,
        events.referrer,
        events.country_code,
        events.city_name,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.utm_content,
        events.utm_term,
        events.click_token,
        {{ channel_group('events.utm_medium') }} as channel,
        events.has_analytics_consent,
        events.has_marketing_consent,
        events.payload,
        events.received_at,
        events.silver_loaded_at,
        {{ gold_built_at() }} as gold_built_at,
        events.event_dt
    from events
    inner join sessionized on sessionized.event_id = events.event_id
    {{ channel_joins('events.utm_source', 'events.utm_medium') }}

)

select * from final
