-- Growth messaging: emails sent, opened and clicked, plus saved-search alert and digest
-- clicks; one row per event with its campaign.
with growth_events as (

    select * from {{ ref('stg_silver__growth_events') }}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }}

),

campaigns as (

    select * from {{ ref('dim_campaign') }}

),

mail_events as (

    select
        growth_events.*,
        case event_name
            when 'email.sent' then 'email'
            when 'email.open' then 'email'
            when 'email.click' then 'email'
            when 'growth.alert.click' then 'alert'
            when 'digest.click' then 'digest'
        end as mail_surface,
        case event_name
            when 'email.sent' then 'sent'
            when 'email.open' then 'open'
            else 'click'
        end as mail_action
    from growth_events
    where event_name in ('email.sent', 'email.open', 'email.click', 'growth.alert.click', 'digest.click')

),

final as (

    select
        mail_events.event_id,
        mail_events.event_name,
        mail_events.mail_surface,
        mail_events.mail_action,
        mail_events.event_at,
        sessionized.identity_id,
        sessionized.session_id,
        mail_events.campaign_id,
        campaigns.utm_campaign,
        mail_events.event_dt
    from mail_events
    inner join sessionized on sessionized.event_id = mail_events.event_id
    left join campaigns on campaigns.campaign_id = mail_events.campaign_id

)

select * from final
