-- One row per sealed Bronze file: the hour its lines arrived and how many there are.
with source as (

    select * from {{ source('ops', 'bronze_files') }}

),

final as (

    select
        bronze_file,
        {{ utc_timestamp('arrival_hour') }} as arrival_hour,
        cast(n_lines as bigint) as n_lines,
        cast(n_bytes as bigint) as n_bytes
    from source

)

select * from final
