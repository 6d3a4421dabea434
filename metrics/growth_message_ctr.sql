-- metric: growth_message_ctr
-- title: Email / alert / digest CTR
-- definition: Per growth surface, clicks per message sent. Only email has a send event
--   (email.sent); alerts and digests have no send event in the schemas, so their n_sent
--   is 0 and value is NULL until an alert/digest send event exists.
-- numerator: click events (email.click, growth.alert.click, digest.click) in fact_growth_mail
-- denominator: email.sent events in fact_growth_mail (mail_action = 'sent')
-- grain: one row per mail_surface (email, alert, digest) for the window; events by event_dt
-- owner: growth analytics
with params as (

    select date '1970-01-01' as start_dt, date '9999-12-31' as end_dt

),

mail as (

    select fact_growth_mail.*
    from fact_growth_mail
    cross join params
    where fact_growth_mail.event_dt between params.start_dt and params.end_dt

),

surfaces as (

    select mail_surface from (values 'email', 'alert', 'digest') as s (mail_surface)

)

select
    surfaces.mail_surface,
    sum(case when mail.mail_action = 'click' then 1 else 0 end) as numerator,
    sum(case when mail.mail_action = 'sent' then 1 else 0 end) as denominator,
    cast(sum(case when mail.mail_action = 'click' then 1 else 0 end) as double)
        / nullif(sum(case when mail.mail_action = 'sent' then 1 else 0 end), 0) as value
from surfaces
left join mail on mail.mail_surface = surfaces.mail_surface
group by 1
order by 1
