{{ config(materialized='view') }}

-- ATT-1: every conversion attribution explains, one row each: an order (its first
-- checkout.complete; lookback 7 days) and a qualified referral (referral.qualified; lookback
-- 30 days), with the stitched identity whose touches may claim it. A view: a union of two
-- small marts that its readers scan once each costs less than writing it as a table.
with orders as (

    select * from {{ ref('fact_orders') }}

),

referrals as (

    select * from {{ ref('fact_referrals') }}

),

checkouts as (

    select
        'checkout' as conversion_type,
        order_id as conversion_id,
        identity_id,
        ordered_at as converted_at,
        {{ var('lakehouse__attribution_checkout_lookback_days') }} as lookback_days,
        amount_cents as revenue_cents,
        currency
    from orders

),

qualified_referrals as (

    select
        'referral' as conversion_type,
        event_id as conversion_id,
        referred_identity_id as identity_id,
        qualified_at as converted_at,
        {{ var('lakehouse__attribution_referral_lookback_days') }} as lookback_days,
        cast(null as bigint) as revenue_cents,
        cast(null as varchar) as currency
    from referrals
    where is_qualified

),

final as (

    select * from checkouts
    union all
    select * from qualified_referrals

)

select * from final
