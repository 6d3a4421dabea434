{#- LAKE-4: the UTC day the near-real-time marts (models/marts/nrt, tag nrt) cover, as a
    date literal. var lakehouse__nrt_date overrides it (`lakehouse refresh --nrt` passes the
    day it announced); otherwise it is the day of the build's own clock (env
    LAKEHOUSE_BUILD_STARTED_AT, as in ops_build_started_at, so a frozen LAKEHOUSE_NOW
    applies), and for dbt run directly the day of run_started_at (UTC). -#}
{% macro nrt_date() -%}
  {%- set at = var('lakehouse__build_started_at') or (env_var('LAKEHOUSE_BUILD_STARTED_AT', '') if execute else '')
      or run_started_at.strftime('%Y-%m-%d') -%}
  {%- set day = var('lakehouse__nrt_date') or at[:10] -%}
  {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', day) -%}
    {{ exceptions.raise_compiler_error(
        "var lakehouse__nrt_date is " ~ day ~ ", not a date; pass it as YYYY-MM-DD "
        ~ "(e.g. --vars '{lakehouse__nrt_date: 2026-11-02}') or leave it empty for today (UTC).") }}
  {%- endif -%}
  cast('{{ day }}' as date)
{%- endmacro %}
