-- One row per pipeline run from the run log (OBS-1), timestamps as plain UTC.
with source as (

    select * from {{ source('ops', 'runs') }}

),

final as (

    select
        run_id,
        stage,
        {{ utc_timestamp('started_at') }} as started_at,
        {{ utc_timestamp('ended_at') }} as ended_at,
        cast(seconds as double) as duration_s,
        cast(rows_in as bigint) as rows_in,
        cast(rows_out as bigint) as rows_out,
        status as run_status,
        error as error_message
    from source

)

select * from final
