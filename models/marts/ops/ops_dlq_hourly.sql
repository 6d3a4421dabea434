-- OBS-4: dead letters per arrival hour × reason, with the hour's share of all lines received.
with dead_letters as (

    select * from {{ ref('stg_ops__dead_letters') }}

),

bronze_files as (

    select * from {{ ref('stg_ops__bronze_files') }}

),

by_reason as (

    select
        date_trunc('hour', received_at) as received_hour,
        reason,
        count(*) as n_dead_letters
    from dead_letters
    group by 1, 2

),

dead_per_hour as (

    select received_hour, sum(n_dead_letters) as n_hour_dead_letters
    from by_reason
    group by 1

),

accepted_per_hour as (

    select arrival_hour as received_hour, sum(n_lines) as n_hour_accepted
    from bronze_files
    group by 1

),

final as (

    select
        by_reason.received_hour,
        by_reason.reason,
        by_reason.n_dead_letters,
        dead_per_hour.n_hour_dead_letters,
        coalesce(accepted_per_hour.n_hour_accepted, 0) as n_hour_accepted,
        cast(dead_per_hour.n_hour_dead_letters as double)
            / (dead_per_hour.n_hour_dead_letters + coalesce(accepted_per_hour.n_hour_accepted, 0))
            as hour_dead_letter_share,
        dead_per_hour.n_hour_dead_letters >= {{ var('lakehouse__dlq_burst_min_events') }}
            and cast(dead_per_hour.n_hour_dead_letters as double)
                / (dead_per_hour.n_hour_dead_letters + coalesce(accepted_per_hour.n_hour_accepted, 0))
                >= {{ var('lakehouse__dlq_burst_share') }}
            as is_burst_hour
    from by_reason
    inner join dead_per_hour on dead_per_hour.received_hour = by_reason.received_hour
    left join accepted_per_hour on accepted_per_hour.received_hour = by_reason.received_hour

)

select * from final
