-- Marketing campaigns (seed `campaigns`) with their channel group and total spend.
with campaigns as (

    select * from {{ ref('campaigns') }}

),

campaign_spend as (

    select * from {{ ref('campaign_spend') }}

),

spend as (

    select
        campaign_id,
        sum(spend_cents) as spend_cents,
        min(spend_dt) as first_spend_dt,
        max(spend_dt) as last_spend_dt
    from campaign_spend
    group by campaign_id

),

final as (

    select
        campaigns.campaign_id,
        campaigns.utm_source,
        campaigns.utm_medium,
        campaigns.utm_campaign,
        campaigns.surface,
        {{ channel_group('campaigns.utm_medium') }} as channel_group,
        coalesce(spend.spend_cents, 0) as spend_cents,
        coalesce(spend.spend_cents, 0) > 0 as is_paid,
        spend.first_spend_dt,
        spend.last_spend_dt
    from campaigns
    {{ channel_joins('campaigns.utm_source', 'campaigns.utm_medium') }}
    left join spend on spend.campaign_id = campaigns.campaign_id

)

select * from final
