-- OBS-4 drift: undeclared fields per schema × event hour; the first hour a field arrives
-- often enough (count and share of its schema's events) is the drift alarm.
with unknown_fields as (

    select * from {{ ref('stg_ops__unknown_fields') }}

),

volume as (

    select * from {{ ref('ops_volume_hourly') }}

),

per_hour as (

    select event_name, event_version, field_name, event_hour, sum(n_events) as n_with_field
    from unknown_fields
    group by 1, 2, 3, 4

),

measured as (

    select
        per_hour.event_name,
        per_hour.event_version,
        per_hour.field_name,
        per_hour.event_hour,
        per_hour.n_with_field,
        coalesce(volume.n_events, 0) as n_schema_events,
        cast(per_hour.n_with_field as double) / nullif(volume.n_events, 0) as field_share,
        min(per_hour.event_hour) over (
            partition by per_hour.event_name, per_hour.event_version, per_hour.field_name
        ) as first_seen_hour,
        per_hour.n_with_field >= {{ var('lakehouse__drift_min_events') }}
            and coalesce(cast(per_hour.n_with_field as double) / nullif(volume.n_events, 0), 1.0)
                >= {{ var('lakehouse__drift_min_share') }}
            as is_material
    from per_hour
    left join volume
        on volume.event_name = per_hour.event_name
        and volume.event_version = per_hour.event_version
        and volume.event_hour = per_hour.event_hour

),

final as (

    select
        event_name,
        event_version,
        field_name,
        event_hour,
        n_with_field,
        n_schema_events,
        field_share,
        first_seen_hour,
        is_material,
        is_material and event_hour = min(case when is_material then event_hour end) over (
            partition by event_name, event_version, field_name
        ) as is_drift_onset
    from measured

)

select * from final
