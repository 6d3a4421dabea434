{#- Sessionization helper: a touch column's value for "last non-null in this run" look-ups.
    The idle-break row of a run contributes '' (no touch yet), so a look-back over the whole
    timeline stops at the run's start; empty strings count as no touch. -#}
{% macro run_touch_value(column) -%}
  case
    when nullif({{ column }}, '') is not null then {{ column }}
    when is_idle_break then ''
  end
{%- endmacro %}

{#- The identities whose sessions may have changed since `sessions` (fact_sessions) was
    last built before this run: those of the `events` (fact_events) rows written since, and
    their anonymous ids (an identity a login emptied). fact_sessions rebuilds from the same
    rows, so every session it rebuilt, merged away or emptied belongs to one of them (a
    `--select` build of fact_events alone widens the set for the next build). -#}
{% macro identities_written_since_sessions(sessions, events) -%}
    {%- set before = "select coalesce(max(built.gold_built_at), cast('1970-01-01 00:00:00' as timestamp)) from "
        ~ sessions ~ " as built where built.gold_built_at < " ~ gold_built_at() -%}
    {{ identities_of_rows(events, 'rewritten.gold_built_at > ' ~ literal_of(before, 'timestamp')) }}
{%- endmacro %}

{#- fact_sessions' post-hook: delete the sessions no event belongs to any more (a late
    event or a login merged or split them). An incremental run looks only at the sessions of
    the identities whose events were written since its last build, and reads fact_events
    only for those sessions' ids; a full refresh looks at every session. -#}
{% macro delete_sessions_without_events(sessions, events) -%}
    {%- if is_incremental() %}
    {%- set written = identities_written_since_sessions(sessions, events) %}
    delete from {{ sessions }}
    where {{ sessions }}.identity_id in ({{ written }})
      and {{ sessions }}.session_id not in (
          select events.session_id
          from {{ events }} as events
          where events.session_id in (
              select scoped.session_id
              from {{ sessions }} as scoped
              where scoped.identity_id in ({{ written }})
          )
      )
    {%- else %}
    delete from {{ sessions }}
    where not exists (
        select 1 from {{ events }} as events
        where events.session_id = {{ sessions }}.session_id
    )
    {%- endif %}
{%- endmacro %}
