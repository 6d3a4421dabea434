-- LAKE-4: today's Silver events per event hour × event type. The filter on the partition
-- column lets the Iceberg scan skip every other day's files.
with events as (

    select event_at, event_name
    from {{ ref('stg_silver__events') }}
    where event_dt = {{ nrt_date() }}

),

final as (

    select
        {{ nrt_date() }} as event_dt,
        date_trunc('hour', event_at) as event_hour,
        event_name,
        count(*) as n_events
    from events
    group by 2, 3

)

select * from final
