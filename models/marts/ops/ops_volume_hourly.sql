-- OBS-4: Silver events per event hour × event type.
with events as (

    select * from {{ ref('stg_silver__events') }}

),

final as (

    select
        date_trunc('hour', event_at) as event_hour,
        event_name,
        event_version,
        count(*) as n_events
    from events
    group by 1, 2, 3

)

select * from final
