{#- When this build started (UTC timestamp): `lakehouse build` passes its clock's start
    (so a frozen LAKEHOUSE_NOW applies) in env LAKEHOUSE_BUILD_STARTED_AT, read only at run
    time so the value does not make dbt re-parse; dbt run directly falls back to
    var lakehouse__build_started_at, then run_started_at. -#}
{% macro ops_build_started_at() -%}
  {%- set at = var('lakehouse__build_started_at') or (env_var('LAKEHOUSE_BUILD_STARTED_AT', '') if execute else '')
      or run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") -%}
  cast('{{ at }}' as timestamp)
{%- endmacro %}
