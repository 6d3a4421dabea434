-- ATT-5: one row per order, always: the last-non-direct touch that wins under ATT-4 inside
-- the 7-day lookback, or `direct` when no valid touch qualifies.
with orders as (

    select * from {{ ref('fact_orders') }}

),

paths as (

    select * from {{ ref('int_attribution_paths') }}
    where conversion_type = 'checkout' and precedence_rank = 1

),

campaigns as (

    select * from {{ ref('dim_campaign') }}

),

final as (

    select
        orders.order_id,
        orders.identity_id,
        orders.buyer_user_id,
        orders.ordered_at as converted_at,
        orders.amount_cents,
        orders.currency,
        orders.city_id,
        coalesce(paths.channel, 'direct') as channel,
        coalesce(paths.utm_source, 'direct') as source,
        paths.utm_medium as medium,
        paths.utm_campaign as campaign,
        campaigns.campaign_id,
        paths.touch_event_id,
        paths.touch_at as touch_ts,
        paths.touch_event_name,
        coalesce(paths.has_click_proof, false) as has_click_proof,
        coalesce(paths.n_touches, 0) as n_valid_touches,
        {{ var('lakehouse__attribution_checkout_lookback_days') }} as lookback_days,
        orders.order_dt as converted_dt
    from orders
    left join paths on paths.conversion_id = orders.order_id
    left join campaigns
        on campaigns.utm_source = paths.utm_source
        and campaigns.utm_medium = paths.utm_medium
        and campaigns.utm_campaign = paths.utm_campaign

)

select * from final
