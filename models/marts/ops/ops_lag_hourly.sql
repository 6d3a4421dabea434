{{ config(**upsert_config('received_hour')) }}

-- OBS-2: p95 lag per arrival hour, ingest→Silver and Silver→Gold, against their budgets.
-- Silver→Gold uses the first successful build that started after the row reached Silver
-- (the builds in the run log plus this one): that is when the row was first published, and
-- later incremental rebuilds of the same rows do not inflate it.
-- Incremental: a row's lags are fixed once it is published, so a build recomputes only the
-- arrival hours from the first one among the Silver rows loaded since its last build.
-- Silver's events are read as fact_events holds them (one row each): a Gold table whose
-- zone maps prune both bounds, where Silver's computed timestamps prune nothing.
{%- if is_incremental() %}
{%- set from_hour = literal_of(
    "select min(" ~ dbt.date_trunc('hour', 'received_at') ~ ") from " ~ ref('fact_events')
    ~ " where silver_loaded_at > " ~ silver_loaded_watermark(), 'timestamp') %}
{%- endif %}
with events as (

    select received_at, silver_loaded_at from {{ ref('fact_events') }}
    {%- if is_incremental() %}
    where received_at >= {{ from_hour }}
    {%- endif %}

),

runs as (

    select * from {{ ref('stg_ops__runs') }}

),

builds as (

    select started_at as build_started_at
    from runs
    where stage = 'build' and run_status = 'ok'
    union all
    select {{ ops_build_started_at() }} as build_started_at

),

-- refine stamps one silver_loaded_at per batch, so this is a small table
silver_loads as (

    select distinct silver_loaded_at from events

),

published as (

    select
        silver_loads.silver_loaded_at,
        min(builds.build_started_at) as gold_built_at
    from silver_loads
    inner join builds on builds.build_started_at >= silver_loads.silver_loaded_at
    group by 1

),

lags as (

    select
        date_trunc('hour', events.received_at) as received_hour,
        events.silver_loaded_at,
        {{ millis_between('events.received_at', 'events.silver_loaded_at') }} / 1000.0 as silver_lag_s,
        {{ millis_between('events.silver_loaded_at', 'published.gold_built_at') }} / 1000.0 as gold_lag_s
    from events
    left join published on published.silver_loaded_at = events.silver_loaded_at

),

hourly as (

    select
        received_hour,
        count(*) as n_events,
        {{ quantile('silver_lag_s', 0.95) }} as silver_lag_p95_s,
        {{ quantile('gold_lag_s', 0.95) }} as gold_lag_p95_s,
        max(silver_loaded_at) as silver_loaded_at
    from lags
    group by 1

),

final as (

    select
        received_hour,
        n_events,
        silver_lag_p95_s,
        gold_lag_p95_s,
        {{ var('lakehouse__lag_silver_budget_minutes') }} * 60.0 as silver_budget_s,
        {{ var('lakehouse__lag_gold_budget_minutes') }} * 60.0 as gold_budget_s,
        silver_lag_p95_s > {{ var('lakehouse__lag_silver_budget_minutes') }} * 60.0 as is_silver_lag_breached,
        coalesce(gold_lag_p95_s > {{ var('lakehouse__lag_gold_budget_minutes') }} * 60.0, false)
            as is_gold_lag_breached,
        silver_loaded_at,
        {{ gold_built_at() }} as gold_built_at
    from hourly

)

select * from final
