-- Each session's event count and time span are exactly those of its events in fact_events,
-- and every session has events. An incremental `lakehouse build` (LAKEHOUSE_TEST_ROWS_SINCE)
-- checks the sessions of the identities whose events were written since fact_sessions'
-- last build, which hold every session it rebuilt, merged away or emptied; the others'
-- events did not change since they passed.
{%- set scoped = (env_var('LAKEHOUSE_TEST_ROWS_SINCE', '') if execute else '') != '' %}
{%- if scoped %}
{%- set written = identities_written_since_sessions(ref('fact_sessions'), ref('fact_events')) %}
{%- endif %}
with events as (

    select * from {{ ref('fact_events') }}
    {%- if scoped %}
    where identity_id in ({{ written }})
    {%- endif %}

),

sessions as (

    select * from {{ ref('fact_sessions') }}
    {%- if scoped %}
    where identity_id in ({{ written }})
    {%- endif %}

),

from_events as (

    select
        session_id,
        count(*) as n_events,
        min(event_at) as started_at,
        max(event_at) as ended_at
    from events
    where session_id is not null
    group by session_id

),

final as (

    select sessions.session_id
    from sessions
    full outer join from_events on from_events.session_id = sessions.session_id
    where sessions.session_id is null
       or from_events.session_id is null
       or sessions.n_events <> from_events.n_events
       or sessions.started_at <> from_events.started_at
       or sessions.ended_at <> from_events.ended_at

)

select * from final
