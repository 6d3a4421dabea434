-- LAKE-4: today's dead letters per arrival hour × reason. The DLQ is partitioned by arrival
-- day (there is no event time in a line that failed to parse), so "today" is the UTC day
-- ingest rejected the line.
with dead_letters as (

    select received_at, reason
    from {{ ref('stg_ops__dead_letters') }}
    where cast(received_at as date) = {{ nrt_date() }}

),

final as (

    select
        {{ nrt_date() }} as received_dt,
        date_trunc('hour', received_at) as received_hour,
        reason,
        count(*) as n_dead_letters
    from dead_letters
    group by 2, 3

)

select * from final
