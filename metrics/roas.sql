-- metric: roas
-- title: Return on ad spend (ROAS)
-- definition: Order revenue credited to paid campaigns by last-non-direct attribution,
--   converted to EUR, over the campaigns' EUR spend (kpi_roas, from
--   fact_attribution_checkout and the campaign_spend seed).
-- numerator: sum(revenue_eur_cents) of kpi_roas
-- denominator: sum(spend_eur_cents) of kpi_roas
-- grain: one row for the window; campaign days by kpi_dt
-- owner: growth analytics
with params as (

    select date '1970-01-01' as start_dt, date '9999-12-31' as end_dt

),

campaign_days as (

    select kpi_roas.*
    from kpi_roas
    cross join params
    where kpi_roas.kpi_dt between params.start_dt and params.end_dt

)

select
    sum(revenue_eur_cents) as numerator,
    sum(spend_eur_cents) as denominator,
    cast(sum(revenue_eur_cents) as double) / nullif(sum(spend_eur_cents), 0) as value
from campaign_days
