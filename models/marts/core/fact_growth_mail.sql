{{ config(**upsert_config('event_id', partitioned_by=['event_dt'])) }}

{%- if is_incremental() %}
{%- set from_dt = rebuilt_days_from(ref('int_events_sessionized')) %}
{%- endif %}

-- Growth messaging: emails sent, opened and clicked, plus saved-search alert and digest
-- clicks; one row per event with its campaign. Incremental as fact_events: whole days
-- from Silver, re-stitched rows before them patched in place.
with growth_events as (

    select * from {{ ref('stg_silver__growth_events') }}
    {% if is_incremental() %}
    where event_dt >= {{ from_dt }}
    {% endif %}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }} as changed
    {% if is_incremental() %}
    where {{ rewritten_since_built('changed') }}
    {% endif %}

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
        {{ gold_built_at() }} as gold_built_at,
        mail_events.event_dt
    from mail_events
    inner join sessionized on sessionized.event_id = mail_events.event_id
    left join campaigns on campaigns.campaign_id = mail_events.campaign_id

    {% if is_incremental() %}
    union all

    -- earlier days: the built row with its re-stitched identity and session
    select
        built.event_id,
        built.event_name,
        built.mail_surface,
        built.mail_action,
        built.event_at,
        sessionized.identity_id,
        sessionized.session_id,
        built.campaign_id,
        built.utm_campaign,
        {{ gold_built_at() }} as gold_built_at,
        built.event_dt
    from (
        {{ sparse_rows(this, '*', 'event_dt < ' ~ from_dt
            ~ ' and event_id in (select event_id from sessionized)') }}
    ) as built
    inner join sessionized on sessionized.event_id = built.event_id
    {% endif %}

)

select * from final
