-- metric: promo_ctr
-- title: Promo CTR
-- definition: Clicks on sponsored/promoted slots per impression, all promotions and slots.
-- numerator: sum(n_clicks) of kpi_promo_ctr (promo.click events)
-- denominator: sum(n_impressions) of kpi_promo_ctr (promo.impression events)
-- grain: one row for the window; events by event_dt
-- owner: growth analytics
with params as (

    select date '1970-01-01' as start_dt, date '9999-12-31' as end_dt

),

promo as (

    select kpi_promo_ctr.*
    from kpi_promo_ctr
    cross join params
    where kpi_promo_ctr.event_dt between params.start_dt and params.end_dt

)

select
    sum(n_clicks) as numerator,
    sum(n_impressions) as denominator,
    cast(sum(n_clicks) as double) / nullif(sum(n_impressions), 0) as value
from promo
