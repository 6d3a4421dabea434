-- metric: referral_qualification_rate
-- title: Referral qualification rate
-- definition: Share of referred signups (referral.signup) whose referred user's first
--   order qualified the referral (referral.qualified), clawed-back awards included.
-- numerator: referrals with is_qualified = true (fact_referrals)
-- denominator: referrals (fact_referrals)
-- grain: one row for the window; referrals by signed_up_dt
-- owner: growth analytics
with params as (

    select date '1970-01-01' as start_dt, date '9999-12-31' as end_dt

),

referrals as (

    select fact_referrals.*
    from fact_referrals
    cross join params
    where fact_referrals.signed_up_dt between params.start_dt and params.end_dt

)

select
    sum(case when is_qualified then 1 else 0 end) as numerator,
    count(*) as denominator,
    cast(sum(case when is_qualified then 1 else 0 end) as double) / nullif(count(*), 0) as value
from referrals
