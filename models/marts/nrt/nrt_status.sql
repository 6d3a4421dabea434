-- LAKE-4: one row saying which day the nrt marts cover, when they were last refreshed
-- (`lakehouse refresh --nrt` or a build) and how far Silver had got; for Pipeline health.
-- Summed from the other nrt marts, so Silver is scanned once per refresh.
with volume as (

    select cast(coalesce(sum(n_events), 0) as bigint) as n_events from {{ ref('nrt_volume_hourly') }}

),

lag as (

    select max(last_silver_loaded_at) as silver_loaded_until from {{ ref('nrt_lag_hourly') }}

),

dead_letters as (

    select cast(coalesce(sum(n_dead_letters), 0) as bigint) as n_dead_letters from {{ ref('nrt_dlq_hourly') }}

),

final as (

    select
        {{ nrt_date() }} as event_dt,
        {{ ops_build_started_at() }} as refreshed_at,
        volume.n_events,
        lag.silver_loaded_until,
        dead_letters.n_dead_letters
    from volume
    cross join lag
    cross join dead_letters

)

select * from final
