{{ config(**upsert_config(['event_hour', 'event_name', 'event_version'])) }}

-- OBS-4: Silver events per event hour × event type. Incremental: Silver rows are only
-- ever added (a DSAR delete rebuilds Gold in full), so a build counts the rows loaded
-- since its last one and adds them to the counts it kept.
with events as (

    select * from {{ ref('stg_silver__events') }}
    {%- if is_incremental() %}
    where {{ silver_rows_since_built(ref('stg_silver__events')) }}
    {%- endif %}

),

counted as (

    select
        date_trunc('hour', event_at) as event_hour,
        event_name,
        event_version,
        count(*) as n_events,
        max(silver_loaded_at) as silver_loaded_at
    from events
    group by 1, 2, 3

),

final as (

    select
        counted.event_hour,
        counted.event_name,
        counted.event_version,
        {%- if is_incremental() %}
        coalesce(kept.n_events, 0) + counted.n_events as n_events,
        {%- else %}
        counted.n_events,
        {%- endif %}
        counted.silver_loaded_at,
        {{ gold_built_at() }} as gold_built_at
    from counted
    {%- if is_incremental() %}
    left join {{ this }} as kept
        on kept.event_hour = counted.event_hour
        and kept.event_name = counted.event_name
        and kept.event_version = counted.event_version
    {%- endif %}

)

select * from final
