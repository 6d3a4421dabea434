{{ config(**upsert_config('event_id', partitioned_by=['event_dt'])) }}

{%- if is_incremental() %}
{%- set from_dt = rebuilt_days_from(ref('int_events_sessionized')) %}
{%- endif %}
{%- set search_columns = [
    'event_id', 'event_name', 'event_at', 'query_id', 'query_text', 'results_count',
    'search_city_name', 'impression_id', 'profile_id', 'result_rank', 'event_dt'] -%}

-- Search events (search.query and search.result_click), one row each. Event grain keeps
-- the model incremental (as fact_events: whole days from Silver, re-stitched rows before);
-- a query's clicks share its query_id.
with search_events as (

    {{ rebuilt_event_rows(ref('stg_silver__search_events'), search_columns, from_dt) }}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }} as changed
    {% if is_incremental() %}
    where {{ rewritten_since_built('changed') }}
    {% endif %}

),

final as (

    select
        search_events.event_id,
        search_events.event_name,
        search_events.event_name = 'search.result_click' as is_result_click,
        search_events.event_at,
        sessionized.identity_id,
        sessionized.session_id,
        search_events.query_id,
        search_events.query_text,
        search_events.results_count,
        search_events.search_city_name,
        search_events.impression_id,
        search_events.profile_id,
        search_events.result_rank,
        {{ gold_built_at() }} as gold_built_at,
        search_events.event_dt
    from search_events
    inner join sessionized on sessionized.event_id = search_events.event_id

)

select * from final
