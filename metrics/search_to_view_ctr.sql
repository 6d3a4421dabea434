-- metric: search_to_view_ctr
-- title: Search → view CTR
-- definition: Of the sessions that reached a search (search.query), the share that went on to view a profile (profile.view) in the same
--   session (FUN-1 step order: a step counts only after the previous step).
-- numerator: sessions with reached_view = true (fact_sessions)
-- denominator: sessions with reached_search = true (fact_sessions)
-- grain: one row for the window; sessions by started_dt (UTC day the session began)
-- owner: marketplace analytics
with params as (

    select date '1970-01-01' as start_dt, date '9999-12-31' as end_dt

),

sessions as (

    select fact_sessions.*
    from fact_sessions
    cross join params
    where fact_sessions.started_dt between params.start_dt and params.end_dt

)

select
    sum(case when reached_view then 1 else 0 end) as numerator,
    sum(case when reached_search then 1 else 0 end) as denominator,
    cast(sum(case when reached_view then 1 else 0 end) as double)
        / nullif(sum(case when reached_search then 1 else 0 end), 0) as value
from sessions
