-- FUN-1 funnel counts per day (session start, UTC) × channel × platform × place. Counts
-- add up across rows; divide sums for rates (e.g. reached_view / reached_search).
with sessions as (

    select * from {{ ref('fact_sessions') }}

),

final as (

    select
        started_dt as session_dt,
        channel,
        platform,
        coalesce(country_code, '(unknown)') as country_code,
        coalesce(city_name, '(unknown)') as city_name,
        count(*) as n_sessions,
        sum(case when reached_search then 1 else 0 end) as n_reached_search,
        sum(case when reached_view then 1 else 0 end) as n_reached_view,
        sum(case when reached_message then 1 else 0 end) as n_reached_message,
        sum(case when reached_checkout_start then 1 else 0 end) as n_reached_checkout_start,
        sum(case when reached_checkout_complete then 1 else 0 end) as n_reached_checkout_complete
    from sessions
    group by 1, 2, 3, 4, 5

)

select * from final
