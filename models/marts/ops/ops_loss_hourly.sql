-- OBS-3: per event hour, client events delivered ÷ expected from the per-session seq.
-- Each delivered event expects itself plus the seq numbers skipped since the session's
-- previous delivered event, so an hour's expected count sums to Σ max(seq) per session
-- over all hours, and a gap is charged to the hour where the session resumed.
with events as (

    select * from {{ ref('stg_silver__events') }}

),

client_events as (

    select client_session_id, client_seq, event_at
    from events
    where event_source in ('web', 'app')
      and client_session_id is not null
      and client_seq is not null

),

expected as (

    select
        date_trunc('hour', event_at) as event_hour,
        client_seq - coalesce(
            lag(client_seq) over (partition by client_session_id order by client_seq), 0
        ) as n_expected
    from client_events

),

hourly as (

    select
        event_hour,
        count(*) as n_delivered,
        sum(n_expected) as n_expected
    from expected
    group by 1

),

final as (

    select
        event_hour,
        n_delivered,
        n_expected,
        n_expected - n_delivered as n_missing,
        cast(n_delivered as double) / n_expected as delivered_ratio,
        {{ var('lakehouse__loss_alarm_ratio') }} as alarm_ratio,
        n_expected >= {{ var('lakehouse__loss_min_expected_events') }}
            and cast(n_delivered as double) / n_expected < {{ var('lakehouse__loss_alarm_ratio') }}
            as is_alarm
    from hourly

)

select * from final
