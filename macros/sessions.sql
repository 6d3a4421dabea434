{#- Sessionization helper: a touch column's value for "last non-null in this run" look-ups.
    The idle-break row of a run contributes '' (no touch yet), so a look-back over the whole
    timeline stops at the run's start; empty strings count as no touch. -#}
{% macro run_touch_value(column) -%}
  case
    when nullif({{ column }}, '') is not null then {{ column }}
    when is_idle_break then ''
  end
{%- endmacro %}

{#- The identities whose sessions this run may have changed: those of the `events`
    (fact_events) rows it wrote, and their anonymous ids (an identity a login emptied).
    Every session this run rebuilt, merged away or emptied belongs to one of them, so the
    checks of sessions against their events need only these. -#}
{% macro identities_written_this_run(events) -%}
    select written.identity_id from {{ events }} as written
    where written.gold_built_at = {{ gold_built_at() }} and written.identity_id is not null
    union
    select written.anon_id from {{ events }} as written
    where written.gold_built_at = {{ gold_built_at() }} and written.anon_id is not null
{%- endmacro %}

{#- fact_sessions' post-hook: delete the sessions no event belongs to any more (a late
    event or a login merged or split them). An incremental run looks only at the sessions of
    the identities it wrote events of; a full refresh at all. -#}
{% macro delete_sessions_without_events(sessions, events) -%}
    {%- set scoped = is_incremental() -%}
    {%- if scoped %}
    {%- set written = identities_written_this_run(events) %}
    {%- endif %}
    delete from {{ sessions }}
    where not exists (
        select 1 from {{ events }} as events
        where events.session_id = {{ sessions }}.session_id
        {%- if scoped %}
          and events.identity_id in ({{ written }})
        {%- endif %}
    )
    {%- if scoped %}
      and {{ sessions }}.identity_id in ({{ written }})
    {%- endif %}
{%- endmacro %}
