-- One row per referred signup (referral.signup) with its qualification (the referred
-- user's first order, referral.qualified) and whether the award is clawed back (that order
-- fully refunded or its dispute lost; ATT-6).
with referral_events as (

    select * from {{ ref('stg_silver__referral_events') }}

),

sessionized as (

    select * from {{ ref('int_family_event_identities') }}

),

orders as (

    select * from {{ ref('fact_orders') }}

),

referrals as (

    select
        referral_events.*,
        sessionized.identity_id,
        sessionized.session_id
    from referral_events
    inner join sessionized on sessionized.event_id = referral_events.event_id

),

signups as (

    select * from referrals
    where event_name = 'referral.signup'

),

qualifications as (

    select *
    from (
        select
            referrals.*,
            row_number() over (
                partition by identity_id, referrer_user_id order by event_at, event_id
            ) as qualification_number
        from referrals
        where event_name = 'referral.qualified'
    ) as numbered
    where qualification_number = 1

),

final as (

    select
        signups.event_id,
        signups.event_at as signed_up_at,
        signups.identity_id as referred_identity_id,
        signups.referrer_user_id,
        signups.referral_code,
        signups.session_id,
        qualifications.event_at as qualified_at,
        qualifications.order_id as qualifying_order_id,
        qualifications.order_id is not null as is_qualified,
        coalesce(orders.is_fully_refunded or orders.dispute_status = 'lost', false)
            as is_clawed_back,
        signups.event_dt as signed_up_dt
    from signups
    left join qualifications
        on qualifications.identity_id = signups.identity_id
        and qualifications.referrer_user_id = signups.referrer_user_id
    left join orders on orders.order_id = qualifications.order_id

)

select * from final
