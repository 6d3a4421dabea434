-- DQ-1: daily GMV (in EUR at the seed rates) and promo CTR against their trailing 7-day
-- average; a move beyond lakehouse__metric_move_share either way is an alarm. A day is only
-- judged with 7 earlier days of data and enough trailing volume to be more than noise.
with gmv_daily as (

    select * from {{ ref('kpi_gmv_daily') }}

),

promo_ctr as (

    select * from {{ ref('kpi_promo_ctr') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

daily as (

    select
        gmv_daily.order_dt as metric_dt,
        'gmv_eur' as metric,
        sum(gmv_daily.gmv_cents * fx_rates.eur_per_unit) / 100.0 as metric_value,
        sum(gmv_daily.n_orders) as volume
    from gmv_daily
    inner join fx_rates on fx_rates.currency = gmv_daily.currency
    group by 1, 2
    union all
    select
        event_dt as metric_dt,
        'promo_ctr' as metric,
        cast(sum(n_clicks) as double) / nullif(sum(n_impressions), 0) as metric_value,
        sum(n_clicks) as volume
    from promo_ctr
    group by 1, 2

),

windowed as (

    select
        metric_dt,
        metric,
        metric_value,
        volume,
        avg(metric_value) over w as trailing_7d_avg,
        avg(volume) over w as trailing_7d_volume,
        count(*) over w as trailing_days
    from daily
    window w as (partition by metric order by metric_dt rows between 7 preceding and 1 preceding)

),

final as (

    select
        metric_dt,
        metric,
        metric_value,
        volume,
        trailing_7d_avg,
        cast(metric_value as double) / nullif(trailing_7d_avg, 0) - 1 as change_share,
        {{ var('lakehouse__metric_move_share') }} as alarm_share,
        coalesce(
            trailing_days = 7
            and trailing_7d_volume >= {{ var('lakehouse__metric_min_daily_volume') }}
            and abs(cast(metric_value as double) / nullif(trailing_7d_avg, 0) - 1) > {{ var('lakehouse__metric_move_share') }},
            false
        ) as is_alarm
    from windowed

)

select * from final
