-- OBS-1: every pipeline run with its stage, timing, rows in/out and status, newest first.
with runs as (

    select * from {{ ref('stg_ops__runs') }}

),

final as (

    select
        run_id,
        stage,
        started_at,
        ended_at,
        duration_s,
        rows_in,
        rows_out,
        run_status,
        error_message,
        row_number() over (partition by stage order by started_at desc, run_id desc) = 1
            as is_latest_of_stage
    from runs

)

select * from final
