{#- Incremental state (Snowplow habit: explicit, visible in the model).

    Every incremental model carries `gold_built_at`, the start of the dbt invocation that
    (re)wrote its row. A downstream model rebuilds the partitions its upstream rewrote
    since the downstream's own last build, so one watermark drives the whole chain. -#}

{#- The timestamp stamped on rows written by this invocation. -#}
{% macro gold_built_at() -%}
  cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The value of one-date query `sql`, run when the model runs (its upstream is built by
    then), as a date literal: a constant bound lets DuckDB prune Silver's event_dt
    partitions and Gold's row groups, where a scalar subquery would scan everything.
    NULL (nothing to rebuild) selects nothing. -#}
{% macro date_literal_of(sql) -%}
  {%- if not execute -%}
    {{ return('cast(null as date)') }}
  {%- endif -%}
  {%- set value = run_query(sql).columns[0].values()[0] -%}
  {{ return('cast(null as date)' if value is none else "date '" ~ value ~ "'") }}
{%- endmacro %}

{#- The earliest `dt_column` among `upstream` rows rewritten after this model's last build,
    as a date literal (NULL when nothing changed, which selects nothing). -#}
{% macro upstream_changed_from(upstream, dt_column='event_dt') -%}
  {{ return(date_literal_of(
      'select min(changed.' ~ dt_column ~ ') from ' ~ upstream ~ ' as changed'
      ~ ' where changed.gold_built_at > (select max(done.gold_built_at) from ' ~ this ~ ' as done)')) }}
{%- endmacro %}

{#- Days a session can reach back before the partition its last event sits in. -#}
{% macro session_span_days() -%}
  {{ return(((var('lakehouse__session_max_hours') | int) + 23) // 24) }}
{%- endmacro %}
