-- ATT-5/ATT-6: one row per qualified referral: the touch that wins under ATT-4 inside the
-- 30-day lookback before referral.qualified (or `direct`), and the referrer's award: earned
-- when the referred user's first order completed within the award window after
-- referral.signup, clawed back when that order was fully refunded or its dispute lost.
with referrals as (

    select * from {{ ref('fact_referrals') }}
    where is_qualified

),

orders as (

    select * from {{ ref('fact_orders') }}

),

paths as (

    select * from {{ ref('int_attribution_paths') }}
    where conversion_type = 'referral' and precedence_rank = 1

),

campaigns as (

    select * from {{ ref('dim_campaign') }}

),

awards as (

    select
        referrals.event_id,
        orders.ordered_at,
        orders.ordered_at is not null
            and orders.ordered_at <= {{ dbt.dateadd(
                'day', var('lakehouse__referral_award_window_days'), 'referrals.signed_up_at') }}
            as is_awarded,
        coalesce(orders.is_fully_refunded, false) as is_fully_refunded,
        coalesce(orders.dispute_status = 'lost', false) as is_dispute_lost
    from referrals
    left join orders on orders.order_id = referrals.qualifying_order_id

),

final as (

    select
        referrals.event_id as referral_event_id,
        referrals.referred_identity_id as identity_id,
        referrals.referrer_user_id,
        referrals.referral_code,
        referrals.signed_up_at,
        referrals.qualified_at as converted_at,
        referrals.qualifying_order_id as order_id,
        awards.ordered_at,
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
        {{ var('lakehouse__attribution_referral_lookback_days') }} as lookback_days,
        awards.is_awarded,
        awards.is_awarded and (awards.is_fully_refunded or awards.is_dispute_lost)
            as is_clawed_back,
        case
            when not awards.is_awarded then 'not_awarded'
            when awards.is_fully_refunded then 'clawed_back_refund'
            when awards.is_dispute_lost then 'clawed_back_dispute'
            else 'awarded'
        end as award_status,
        cast(referrals.qualified_at as date) as converted_dt
    from referrals
    inner join awards on awards.event_id = referrals.event_id
    left join paths on paths.conversion_id = referrals.event_id
    left join campaigns
        on campaigns.utm_source = paths.utm_source
        and campaigns.utm_medium = paths.utm_medium
        and campaigns.utm_campaign = paths.utm_campaign

)

select * from final
