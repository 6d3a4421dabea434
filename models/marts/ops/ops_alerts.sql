-- OBS-5: every open alarm in one table: lag, loss, DLQ burst, schema drift, metric moves.
-- alert_id is stable across builds (kind, subject, window), so a notifier posts each once.
with lag_hourly as (

    select * from {{ ref('ops_lag_hourly') }}

),

loss_hourly as (

    select * from {{ ref('ops_loss_hourly') }}

),

dlq_hourly as (

    select * from {{ ref('ops_dlq_hourly') }}

),

schema_drift as (

    select * from {{ ref('ops_schema_drift') }}

),

metric_deltas as (

    select * from {{ ref('ops_metric_deltas') }}

),

alarms as (

    select
        'lag_silver' as alert_kind,
        'ingest->silver' as subject,
        received_hour as window_start_at,
        received_hour + interval '1' hour as window_end_at,
        silver_lag_p95_s as observed_value,
        silver_budget_s as threshold_value,
        'p95 ingest->Silver lag ' || cast(round(silver_lag_p95_s) as varchar)
            || ' s is over the ' || cast(silver_budget_s as varchar) || ' s budget' as message
    from lag_hourly
    where is_silver_lag_breached
    union all
    select
        'lag_gold',
        'silver->gold',
        received_hour,
        received_hour + interval '1' hour,
        gold_lag_p95_s,
        gold_budget_s,
        'p95 Silver->Gold lag ' || cast(round(gold_lag_p95_s) as varchar)
            || ' s is over the ' || cast(gold_budget_s as varchar) || ' s budget'
    from lag_hourly
    where is_gold_lag_breached
    union all
    select
        'loss',
        'client events',
        event_hour,
        event_hour + interval '1' hour,
        delivered_ratio,
        alarm_ratio,
        cast(n_missing as varchar) || ' of ' || cast(n_expected as varchar)
            || ' client events missing (delivered ratio ' || cast(round(delivered_ratio, 4) as varchar) || ')'
    from loss_hourly
    where is_alarm
    union all
    select distinct
        'dlq_burst',
        'dead letters',
        received_hour,
        received_hour + interval '1' hour,
        hour_dead_letter_share,
        {{ var('lakehouse__dlq_burst_share') }},
        cast(n_hour_dead_letters as varchar) || ' dead letters, '
            || cast(round(hour_dead_letter_share * 100, 2) as varchar) || '% of lines received'
    from dlq_hourly
    where is_burst_hour
    union all
    select
        'schema_drift',
        event_name || '@v' || cast(event_version as varchar) || ':' || field_name,
        event_hour,
        event_hour + interval '1' hour,
        field_share,
        {{ var('lakehouse__drift_min_share') }},
        'undeclared field ' || field_name || ' on ' || cast(n_with_field as varchar) || ' of '
            || cast(n_schema_events as varchar) || ' ' || event_name || ' events'
    from schema_drift
    where is_drift_onset
    union all
    select
        metric || '_move',
        metric,
        cast(metric_dt as timestamp),
        cast(metric_dt as timestamp) + interval '1' day,
        change_share,
        alarm_share,
        metric || ' moved ' || cast(round(change_share * 100, 1) as varchar)
            || '% vs its trailing 7-day average'
    from metric_deltas
    where is_alarm

),

final as (

    select
        alert_kind || ':' || subject || '@' || cast(window_start_at as varchar) as alert_id,
        alert_kind,
        subject,
        window_start_at,
        window_end_at,
        cast(observed_value as double) as observed_value,
        cast(threshold_value as double) as threshold_value,
        message,
        {{ ops_build_started_at() }} as detected_at
    from alarms

)

select * from final
