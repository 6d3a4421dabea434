{{ config(**upsert_config('event_id', partitioned_by=['sent_dt'])) }}

{%- if is_incremental() %}
{%- set from_dt = rebuilt_days_from(ref('int_events_sessionized')) %}
{%- endif %}

-- Messages buyers sent to profiles (message.sent), one row each. Incremental as
-- fact_events: whole days from Silver, re-stitched rows before them patched in place.
with messages as (

    select * from {{ ref('stg_silver__messages') }}
    {% if is_incremental() %}
    where event_dt >= {{ from_dt }}
    {% endif %}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }} as changed
    {% if is_incremental() %}
    where {{ rewritten_since_built('changed') }}
    {% endif %}

),

profiles as (

    select * from {{ ref('dim_profile') }}

),

final as (

    select
        messages.event_id,
        messages.event_at as sent_at,
        sessionized.identity_id,
        sessionized.session_id,
        messages.thread_id,
        messages.to_profile_id,
        profiles.city_id,
        {{ gold_built_at() }} as gold_built_at,
        messages.event_dt as sent_dt
    from messages
    inner join sessionized on sessionized.event_id = messages.event_id
    left join profiles on profiles.profile_id = messages.to_profile_id

    {% if is_incremental() %}
    union all

    -- earlier days: the built message with its re-stitched identity and session
    select
        built.event_id,
        built.sent_at,
        sessionized.identity_id,
        sessionized.session_id,
        built.thread_id,
        built.to_profile_id,
        built.city_id,
        {{ gold_built_at() }} as gold_built_at,
        built.sent_dt
    from (
        {{ sparse_rows(this, '*', 'sent_dt < ' ~ from_dt
            ~ ' and event_id in (select event_id from sessionized)') }}
    ) as built
    inner join sessionized on sessionized.event_id = built.event_id
    {% endif %}

)

select * from final
