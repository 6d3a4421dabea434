{{
    config(
        materialized='incremental',
        incremental_strategy=partition_overwrite_strategy(),
        unique_key='event_dt',
        partitioned_by=['event_dt'],
        on_schema_change='fail'
    )
}}

{%- if is_incremental() %}
{%- set from_dt = upstream_changed_from(ref('int_events_sessionized')) %}
{%- endif %}

-- Every Silver event with its stitched identity and Gold session: where analysis starts.
with events as (

    select * from {{ ref('stg_silver__events') }}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }}

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
    {% if is_incremental() %}
    where events.event_dt >= {{ from_dt }}
      and sessionized.event_dt >= {{ from_dt }}
    {% endif %}

)

select * from final
