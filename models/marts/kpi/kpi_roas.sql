-- Return on ad spend per campaign and day: order revenue credited to the campaign by
-- last-non-direct attribution (fact_attribution_checkout) over the campaign's spend that
-- day. Revenue is converted to EUR (seed fx_rates) because spend is in EUR. Days with
-- spend but no attributed order and orders on days without spend both appear.
with attributed as (

    select * from {{ ref('fact_attribution_checkout') }}
    where campaign_id is not null

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

campaigns as (

    select * from {{ ref('dim_campaign') }}

),

spend as (

    select * from {{ ref('campaign_spend') }}

),

revenue as (

    select
        attributed.campaign_id,
        attributed.converted_dt as kpi_dt,
        count(*) as n_orders,
        cast(round(sum(attributed.amount_cents * fx_rates.eur_per_unit)) as bigint) as revenue_eur_cents
    from attributed
    inner join fx_rates on fx_rates.currency = attributed.currency
    group by 1, 2

),

days as (

    select campaign_id, kpi_dt from revenue
    union
    select campaign_id, spend_dt as kpi_dt from spend

),

final as (

    select
        days.campaign_id,
        days.kpi_dt,
        campaigns.channel_group,
        coalesce(revenue.n_orders, 0) as n_orders,
        coalesce(revenue.revenue_eur_cents, 0) as revenue_eur_cents,
        coalesce(spend.spend_cents, 0) as spend_eur_cents,
        case
            when coalesce(spend.spend_cents, 0) > 0
                then cast(coalesce(revenue.revenue_eur_cents, 0) as double) / spend.spend_cents
        end as roas
    from days
    inner join campaigns on campaigns.campaign_id = days.campaign_id
    left join revenue
        on revenue.campaign_id = days.campaign_id and revenue.kpi_dt = days.kpi_dt
    left join spend
        on spend.campaign_id = days.campaign_id and spend.spend_dt = days.kpi_dt

)

select * from final
