-- Undeclared fields Bronze flagged (ING-4), counted per file × schema × event hour × field.
with source as (

    select * from {{ source('ops', 'unknown_fields') }}

),

final as (

    select
        bronze_file,
        event_name,
        cast(event_version as integer) as event_version,
        {{ utc_timestamp('event_hour') }} as event_hour,
        field_name,
        cast(n_events as bigint) as n_events
    from source

)

select * from final
