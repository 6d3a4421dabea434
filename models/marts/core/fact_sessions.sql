{{
    config(**upsert_config(
        'session_id',
        partitioned_by=['started_dt'],
        post_hook=["{{ delete_sessions_without_events(this, ref('fact_events')) }}"]
    ))
}}

{#-
  One row per Gold session (SES-1) with its FUN-1 funnel: a step counts only when it
  happens after the previous step in the same session (search.query → profile.view →
  message.sent → checkout.start → checkout.complete), ordered by (event_at, event_id).
  Incremental: the sessions of every fact_events row rewritten since the last build, and
  every built session reaching into the days fact_events rebuilt whole (it may have lost
  its events there to a new session, leaving only unchanged rows before them), are
  rebuilt from all their events and replaced by session_id; the post-hook drops sessions
  no event belongs to any more (a late event or a login merged or split them).
-#}

{%- if is_incremental() %}
{%- set from_dt = rebuilt_days_from(ref('fact_events')) %}
{#- a session lasts at most the cap, so one reaching the rebuilt days began at most this
    many days before them; a session on earlier days that is rebuilt belongs to a
    re-stitched identity, whose events were all rewritten -#}
{%- set reach_days = ((var('lakehouse__session_max_hours') | int) + 23) // 24 %}
{%- set reach_from = "cast(" ~ dbt.dateadd('day', -reach_days, from_dt) ~ " as date)" %}
{%- endif %}

with events as (

    {% if is_incremental() -%}
    -- the only rows a rebuilt session can have: two legs, so each prunes on its own filter
    select * from {{ ref('fact_events') }}
    where event_dt >= {{ reach_from }}
    union all
    select * from {{ ref('fact_events') }} as changed
    where event_dt < {{ reach_from }} and {{ rewritten_since_built('changed') }}
    {%- else -%}
    select * from {{ ref('fact_events') }}
    {%- endif %}

),

session_events as (

    select
        session_id,
        identity_id,
        session_started_at,
        event_id,
        event_name,
        event_at,
        channel,
        utm_source,
        utm_medium,
        utm_campaign,
        click_token,
        event_source,
        device_id,
        page_path,
        country_code,
        city_name
    from events
    where session_id is not null
    {% if is_incremental() %}
      and session_id in (
          select changed.session_id
          from events as changed
          where {{ rewritten_since_built('changed') }}
          union all
          select built.session_id
          from {{ this }} as built
          where built.ended_at >= cast({{ from_dt }} as timestamp)
      )
    {% endif %}

),

-- the first event of a session is the one its id was made from (gs_ + the event's ULID)
first_events as (

    select *
    from session_events
    where event_id = 'evt_' || substr(session_id, 4)

),

totals as (

    select
        session_id,
        min(identity_id) as identity_id,
        min(session_started_at) as started_at,
        max(event_at) as ended_at,
        count(*) as n_events
    from session_events
    group by session_id

),

funnel_events as (

    select
        session_id,
        event_name,
        row_number() over (partition by session_id order by event_at, event_id) as position
    from session_events
    where event_name in (
        'search.query', 'profile.view', 'message.sent', 'checkout.start', 'checkout.complete'
    )

),

-- each step's first position after the previous step's first position
search_step as (

    select
        funnel_events.*,
        min(case when event_name = 'search.query' then position end)
            over (partition by session_id) as search_at
    from funnel_events

),

view_step as (

    select
        search_step.*,
        min(case when event_name = 'profile.view' and position > search_at then position end)
            over (partition by session_id) as view_at
    from search_step

),

message_step as (

    select
        view_step.*,
        min(case when event_name = 'message.sent' and position > view_at then position end)
            over (partition by session_id) as message_at
    from view_step

),

checkout_start_step as (

    select
        message_step.*,
        min(case when event_name = 'checkout.start' and position > message_at then position end)
            over (partition by session_id) as checkout_start_at
    from message_step

),

checkout_complete_step as (

    select
        checkout_start_step.*,
        min(case when event_name = 'checkout.complete' and position > checkout_start_at
            then position end) over (partition by session_id) as checkout_complete_at
    from checkout_start_step

),

funnel as (

    select
        session_id,
        max(search_at) is not null as reached_search,
        max(view_at) is not null as reached_view,
        max(message_at) is not null as reached_message,
        max(checkout_start_at) is not null as reached_checkout_start,
        max(checkout_complete_at) is not null as reached_checkout_complete
    from checkout_complete_step
    group by session_id

),

final as (

    select
        totals.session_id,
        totals.identity_id,
        totals.started_at,
        totals.ended_at,
        cast(floor({{ millis_between('totals.started_at', 'totals.ended_at') }} / 1000.0) as bigint)
            as duration_seconds,
        totals.n_events,
        first_events.channel,
        first_events.utm_source,
        first_events.utm_medium,
        first_events.utm_campaign,
        first_events.click_token,
        first_events.event_source as platform,
        first_events.device_id,
        first_events.page_path as landing_page_path,
        first_events.country_code,
        first_events.city_name,
        coalesce(funnel.reached_search, false) as reached_search,
        coalesce(funnel.reached_view, false) as reached_view,
        coalesce(funnel.reached_message, false) as reached_message,
        coalesce(funnel.reached_checkout_start, false) as reached_checkout_start,
        coalesce(funnel.reached_checkout_complete, false) as reached_checkout_complete,
        {{ gold_built_at() }} as gold_built_at,
        cast(totals.started_at as date) as started_dt
    from totals
    inner join first_events on first_events.session_id = totals.session_id
    left join funnel on funnel.session_id = totals.session_id

)

select * from final
