-- LAKE-4: ingest→Silver lag of today's events (event_dt partition) per arrival hour: p95
-- against the budget, as ops_lag_hourly computes it over all of Silver.
with events as (

    select received_at, silver_loaded_at
    from {{ ref('stg_silver__events') }}
    where event_dt = {{ nrt_date() }}

),

lags as (

    select
        date_trunc('hour', received_at) as received_hour,
        silver_loaded_at,
        {{ millis_between('received_at', 'silver_loaded_at') }} / 1000.0 as silver_lag_s
    from events

),

hourly as (

    select
        received_hour,
        count(*) as n_events,
        {{ quantile('silver_lag_s', 0.95) }} as silver_lag_p95_s,
        max(silver_lag_s) as silver_lag_max_s,
        max(silver_loaded_at) as last_silver_loaded_at
    from lags
    group by 1

),

final as (

    select
        {{ nrt_date() }} as event_dt,
        received_hour,
        n_events,
        silver_lag_p95_s,
        silver_lag_max_s,
        last_silver_loaded_at,
        {{ var('lakehouse__lag_silver_budget_minutes') }} * 60.0 as silver_budget_s,
        silver_lag_p95_s > {{ var('lakehouse__lag_silver_budget_minutes') }} * 60.0 as is_silver_lag_breached
    from hourly

)

select * from final
