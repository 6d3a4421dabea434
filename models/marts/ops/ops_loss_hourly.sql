{{ config(**upsert_config('event_hour')) }}

-- OBS-3: per event hour, client events delivered ÷ expected from the per-session seq.
-- Each delivered event expects itself plus the seq numbers skipped since the session's
-- previous delivered event, so an hour's expected count sums to Σ max(seq) per session
-- over all hours, and a gap is charged to the hour where the session resumed.
-- Incremental: only the sessions that received Silver rows since the last build change,
-- so a build counts their events twice (as the last build saw them, and with the new
-- rows) and moves each hour it kept by the difference.
{%- if is_incremental() %}
{%- set is_new = utc_timestamp('silver_loaded_at') ~ ' > ' ~ silver_loaded_watermark() %}
{%- endif %}
with events as (

    select * from {{ ref('stg_silver__events') }}

),

client_events as (

    select
        client_session_id,
        client_seq,
        event_at,
        silver_loaded_at
        {%- if is_incremental() %},
        {{ is_new }} as is_new
        {%- endif %}
    from events
    where event_source in ('web', 'app')
      and client_session_id is not null
      and client_seq is not null
      {%- if is_incremental() %}
      and client_session_id in (
          select client_session_id from {{ ref('stg_silver__events') }}
          where {{ silver_rows_since_built(ref('stg_silver__events')) }}
      )
      {%- endif %}

),

expected as (

    select
        date_trunc('hour', event_at) as event_hour,
        silver_loaded_at,
        client_seq - coalesce(
            lag(client_seq) over (partition by client_session_id order by client_seq), 0
        ) as n_expected
        {%- if is_incremental() %},
        is_new,
        -- what the last build counted: the same, among the rows it had
        case when not is_new then client_seq - coalesce(
            lag(client_seq) over (partition by client_session_id, is_new order by client_seq), 0
        ) end as n_expected_before
        {%- endif %}
    from client_events

),

hourly as (

    select
        event_hour,
        count(*) as n_delivered,
        sum(n_expected) as n_expected,
        max(silver_loaded_at) as silver_loaded_at
        {%- if is_incremental() %},
        sum(case when is_new then 0 else 1 end) as n_delivered_before,
        coalesce(sum(n_expected_before), 0) as n_expected_before
        {%- endif %}
    from expected
    group by 1

),

{%- if is_incremental() %}

totals as (

    select
        hourly.event_hour,
        coalesce(kept.n_delivered, 0) - hourly.n_delivered_before + hourly.n_delivered as n_delivered,
        coalesce(kept.n_expected, 0) - hourly.n_expected_before + hourly.n_expected as n_expected,
        greatest(coalesce(kept.silver_loaded_at, hourly.silver_loaded_at), hourly.silver_loaded_at)
            as silver_loaded_at
    from hourly
    left join {{ this }} as kept on kept.event_hour = hourly.event_hour

),

{%- else %}

totals as (

    select event_hour, n_delivered, n_expected, silver_loaded_at from hourly

),

{%- endif %}

final as (

    select
        event_hour,
        -- bigint in both modes (DuckDB sums bigint to hugeint), so the schema stays the same
        cast(n_delivered as bigint) as n_delivered,
        cast(n_expected as bigint) as n_expected,
        cast(n_expected - n_delivered as bigint) as n_missing,
        cast(n_delivered as double) / n_expected as delivered_ratio,
        {{ var('lakehouse__loss_alarm_ratio') }} as alarm_ratio,
        n_expected >= {{ var('lakehouse__loss_min_expected_events') }}
            and cast(n_delivered as double) / n_expected < {{ var('lakehouse__loss_alarm_ratio') }}
            as is_alarm,
        silver_loaded_at,
        {{ gold_built_at() }} as gold_built_at
    from totals

)

select * from final
