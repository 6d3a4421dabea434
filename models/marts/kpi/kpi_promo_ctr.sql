-- Sponsored slot performance per day × promotion × slot: impressions, clicks, CTR.
with promo_events as (

    select * from {{ ref('stg_silver__promo_events') }}

),

final as (

    select
        event_dt,
        promo_id,
        promo_slot,
        coalesce(is_sponsored, false) as is_sponsored,
        sum(case when event_name = 'promo.impression' then 1 else 0 end) as n_impressions,
        sum(case when event_name = 'promo.click' then 1 else 0 end) as n_clicks,
        cast(sum(case when event_name = 'promo.click' then 1 else 0 end) as double)
            / nullif(sum(case when event_name = 'promo.impression' then 1 else 0 end), 0) as ctr
    from promo_events
    group by 1, 2, 3, 4

)

select * from final
