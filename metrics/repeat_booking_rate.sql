-- metric: repeat_booking_rate
-- title: Repeat booking rate (7 / 30 / 90 days)
-- definition: Of the buyers whose first order falls in the window, the share who placed
--   another order within 7, 30 and 90 days after that first order (inclusive).
-- numerator: those buyers with a later order at most N days after their first
-- denominator: buyers whose first order is in the window
-- grain: one row per window_days (7, 30, 90); buyers by the order_dt of their first order
-- owner: marketplace analytics
with params as (

    select date '1970-01-01' as start_dt, date '9999-12-31' as end_dt

),

ranked as (

    select
        identity_id,
        ordered_at,
        min(ordered_at) over (partition by identity_id) as first_ordered_at,
        row_number() over (partition by identity_id order by ordered_at, order_id) as order_rank
    from fact_orders

),

buyers as (

    select
        identity_id,
        min(first_ordered_at) as first_ordered_at,
        min(case when order_rank > 1 then ordered_at end) as second_ordered_at
    from ranked
    group by 1

),

cohort as (

    select buyers.*
    from buyers
    cross join params
    where cast(buyers.first_ordered_at as date) between params.start_dt and params.end_dt

),

windows as (

    select window_days from (values 7, 30, 90) as w (window_days)

)

select
    windows.window_days,
    sum(case
        when cohort.second_ordered_at <= date_add('day', windows.window_days, cohort.first_ordered_at)
            then 1 else 0
    end) as numerator,
    count(cohort.identity_id) as denominator,
    cast(sum(case
        when cohort.second_ordered_at <= date_add('day', windows.window_days, cohort.first_ordered_at)
            then 1 else 0
    end) as double) / nullif(count(cohort.identity_id), 0) as value
from windows
left join cohort on true
group by 1
order by 1
