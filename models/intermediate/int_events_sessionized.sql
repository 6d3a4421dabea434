-- depends_on: {{ ref('int_anon_user_pairs') }}
{{ config(**upsert_config('event_id', partitioned_by=['event_dt'])) }}

{#-
  Every Silver event with its stitched identity (ID-1/ID-2) and, for client events of a
  known identity, its Gold session (SES-1). Per identity, events ordered by
  (event_at, event_id):
    * a gap of >= idle minutes starts a new run of activity, and a new session;
    * inside a run, a new marketing touch starts a new session: a non-null click_token,
      utm_source or utm_campaign that differs from the last non-null value in the run;
    * a session is cut every max hours after its segment began (no session is longer).
  Every rule looks only backwards, so rebuilding days >= D only needs each identity's
  state at D: its last event shortly before D, kept in the run_*/segment/session columns.
  An identity change (an anonymous id that logged in) moves events between timelines on
  any day, so the timelines it touches are rebuilt whole instead, and only they: rows are
  replaced by event_id, so a login reaching back weeks does not rebuild those weeks.
  (Large inputs are referenced once per leg, so DuckDB streams them instead of caching.)
-#}

{%- set idle_minutes = var('lakehouse__session_idle_minutes') | int -%}
{%- set max_ms = (var('lakehouse__session_max_hours') | int) * 3600000 -%}
{%- set lookback_days = var('lakehouse__incremental_lookback_days') | int -%}
{%- set in_order = 'order by event_at, event_id' -%}

{%- if is_incremental() %}
{#- First event_dt to rebuild whole: the last `lookback` built days (none when 0), and any
    day that received Silver rows since the last build (late events of any age). -#}
{%- set rebuild_from_sql %}
    select min(candidate_dt) as from_dt
    from (
        select cast({{ dbt.dateadd('day', 1 - lookback_days, 'max(event_dt)') }} as date) as candidate_dt
        from {{ this }}
        union all
        select min(event_dt) as candidate_dt
        from {{ ref('stg_silver__events') }}
        where silver_loaded_at > (select max(silver_loaded_at) from {{ this }})
    ) as candidates
{%- endset %}
{%- set from_dt = date_literal_of(rebuild_from_sql) %}
{%- endif %}

{#- the stitched columns of a Silver event; both branches of `stitched` select them -#}
{%- set stitched_rows %}
    select
        events.event_id,
        events.event_at,
        events.event_source,
        events.click_token,
        events.utm_source,
        events.utm_campaign,
        events.silver_loaded_at,
        events.event_dt,
        {{ clean_id('events.anon_id') }} as anon_id,
        {{ clean_id('events.user_id') }} as user_id,
        coalesce({{ clean_id('events.user_id') }}, links.user_id, {{ clean_id('events.anon_id') }})
            as identity_id
    from {{ ref('stg_silver__events') }} as events
    left join links on links.anon_id = {{ clean_id('events.anon_id') }}
{%- endset %}

with links as (

    select * from {{ ref('int_anon_ids_linked') }}

),

{% if is_incremental() %}

-- Anonymous ids whose link may have changed: a link comes from the pairs, and a pair
-- that is new or has a new earliest event was rewritten since this model's last build.
relinked as (

    select pairs.anon_id
    from {{ ref('int_anon_user_pairs') }} as pairs
    where {{ rewritten_since_built('pairs') }}

),

-- Built events whose identity is now different: an anonymous id that logged in, or
-- whose earliest login is now a different user. (`this` is named in each leg, not in one
-- shared CTE, so each scan prunes on its own filter instead of DuckDB caching it whole.)
restitched_events as (

    select
        previous.identity_id as old_identity_id,
        coalesce(links.user_id, previous.anon_id) as new_identity_id
    from {{ this }} as previous
    left join links on links.anon_id = previous.anon_id
    where previous.user_id is null
      and previous.anon_id in (select anon_id from relinked)
      and previous.identity_id <> coalesce(links.user_id, previous.anon_id)

),

-- Identities whose timeline changed, both sides: their events are rebuilt on every day.
restitched as (

    select old_identity_id as identity_id from restitched_events
    union
    select new_identity_id as identity_id from restitched_events

),

{% endif %}

stitched as (

{{ stitched_rows }}
    {% if is_incremental() %}
    where events.event_dt >= {{ from_dt }}

    union all

    -- earlier days: only the events of re-stitched identities, from this model's own rows
    -- (they keep every column stitching reads; Silver would be scanned whole). The events
    -- whose new identity is re-stitched are those whose old one is: a relinked anonymous
    -- id's old and new identity are both in `restitched`, and every other event keeps its
    -- identity.
    select
        built.event_id,
        built.event_at,
        built.event_source,
        built.click_token,
        built.utm_source,
        built.utm_campaign,
        built.silver_loaded_at,
        built.event_dt,
        built.anon_id,
        built.user_id,
        coalesce(built.user_id, links.user_id, built.anon_id) as identity_id
    from (
        {{ sparse_rows(this, '*', 'event_dt < ' ~ from_dt
            ~ ' and identity_id in (select identity_id from restitched)') }}
    ) as built
    left join links on links.anon_id = built.anon_id
    {% endif %}

),

-- One timeline per identity for its client events; every other event (server-side, or
-- without identity) gets a timeline of its own and no session at the end.
timelines as (

    select
        stitched.*,
        identity_id is not null and event_source <> 'server' as is_sessionized,
        case
            when identity_id is not null and event_source <> 'server' then identity_id
            else event_id
        end as timeline_id,
        false as is_carried,
        cast(null as timestamp) as carried_segment_started_at,
        cast(null as timestamp) as carried_session_started_at,
        cast(null as varchar) as carried_session_id
    from stitched

    {% if is_incremental() %}
    union all

    -- Each identity's last sessionized event less than one idle gap before the rebuild:
    -- it stands in for its whole run (touch values = the run's last non-null ones), and
    -- the session it belongs to may continue into the rebuilt days.
    select
        event_id,
        event_at,
        'carried' as event_source,
        run_click_token as click_token,
        run_utm_source as utm_source,
        run_utm_campaign as utm_campaign,
        silver_loaded_at,
        event_dt,
        anon_id,
        user_id,
        identity_id,
        true as is_sessionized,
        identity_id as timeline_id,
        true as is_carried,
        segment_started_at as carried_segment_started_at,
        session_started_at as carried_session_started_at,
        session_id as carried_session_id
    from (
        select
            built.*,
            row_number() over (
                partition by identity_id order by event_at desc, event_id desc
            ) as recency
        from {{ this }} as built
        where session_id is not null
          and identity_id not in (select identity_id from restitched)
          and event_dt < {{ from_dt }}
          and event_at >= {{ dbt.dateadd('minute', -idle_minutes,
                "cast(" ~ from_dt ~ " as timestamp)") }}
    ) as latest
    where recency = 1
    {% endif %}

),

gaps as (

    select
        timelines.*,
        lag(event_at) over (partition by timeline_id {{ in_order }}) as previous_event_at
    from timelines

),

breaks as (

    select
        gaps.*,
        (previous_event_at is null
         or event_at >= {{ dbt.dateadd('minute', idle_minutes, 'previous_event_at') }}) as is_idle_break
    from gaps

),

-- The last non-null touch values of the current run of activity. An idle break stands for
-- "none yet" ('') so the look-back never reaches into the previous run; all windows share
-- one partition and order, so each pass is a single sort.
touches as (

    {%- set before = 'partition by timeline_id ' ~ in_order
        ~ ' rows between unbounded preceding and 1 preceding' %}
    {%- set upto = 'partition by timeline_id ' ~ in_order
        ~ ' rows between unbounded preceding and current row' %}
    select
        breaks.*
        {%- for touch in ['click_token', 'utm_source', 'utm_campaign'] %},
        nullif({{ last_non_null(run_touch_value(touch), before) }}, '') as previous_{{ touch }},
        nullif({{ last_non_null(run_touch_value(touch), upto) }}, '') as run_{{ touch }}
        {%- endfor %}
    from breaks

),

segments as (

    select
        flagged.*,
        {{ last_non_null('case when is_idle_break or is_new_touch
            then coalesce(carried_segment_started_at, event_at) end', upto) }} as segment_started_at
    from (
        select
            touches.*,
            (
                (nullif(click_token, '') is not null and click_token is distinct from previous_click_token)
                or (nullif(utm_source, '') is not null and utm_source is distinct from previous_utm_source)
                or (nullif(utm_campaign, '') is not null and utm_campaign is distinct from previous_utm_campaign)
            ) as is_new_touch
        from touches
    ) as flagged

),

-- a session starts with its segment, and again each time the cap clock passes max hours
session_starts as (

    select
        segments.*,
        (
            is_idle_break
            or is_new_touch
            or floor({{ millis_between('segment_started_at', 'event_at') }} / {{ max_ms }}.0)
               > floor({{ millis_between('segment_started_at', 'previous_event_at') }} / {{ max_ms }}.0)
        ) as is_session_start
    from segments

),

sessions as (

    select
        session_starts.*,
        {{ last_non_null("case when is_session_start
            then coalesce(carried_session_id, 'gs_' || substr(event_id, 5)) end", upto) }} as session_id,
        {{ last_non_null('case when is_session_start
            then coalesce(carried_session_started_at, event_at) end', upto) }} as session_started_at
    from session_starts

),

final as (

    select
        event_id,
        identity_id,
        anon_id,
        user_id,
        case when is_sessionized then session_id end as session_id,
        case when is_sessionized then session_started_at end as session_started_at,
        case when is_sessionized then segment_started_at end as segment_started_at,
        case when is_sessionized then run_click_token end as run_click_token,
        case when is_sessionized then run_utm_source end as run_utm_source,
        case when is_sessionized then run_utm_campaign end as run_utm_campaign,
        event_source,
        click_token,
        utm_source,
        utm_campaign,
        event_at,
        silver_loaded_at,
        {{ gold_built_at() }} as gold_built_at,
        event_dt
    from sessions
    where not is_carried

)

select * from final
