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

-- Search events (search.query and search.result_click), one row each. Event grain keeps
-- the model incremental; a query's clicks share its query_id.
with search_events as (

    select * from {{ ref('stg_silver__search_events') }}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }}

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
    {% if is_incremental() %}
    where search_events.event_dt >= {{ from_dt }}
      and sessionized.event_dt >= {{ from_dt }}
    {% endif %}

)

select * from final
