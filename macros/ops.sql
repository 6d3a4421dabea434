{#- When this build started (UTC timestamp): `lakehouse build` passes its clock's start
    (so a frozen LAKEHOUSE_NOW applies); dbt run directly falls back to run_started_at. -#}
{% macro ops_build_started_at() -%}
  {%- set at = var('lakehouse__build_started_at') or run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") -%}
  cast('{{ at }}' as timestamp)
{%- endmacro %}
