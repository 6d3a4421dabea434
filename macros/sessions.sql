{#- Sessionization helper: a touch column's value for "last non-null in this run" look-ups.
    The idle-break row of a run contributes '' (no touch yet), so a look-back over the whole
    timeline stops at the run's start; empty strings count as no touch. -#}
{% macro run_touch_value(column) -%}
  case
    when nullif({{ column }}, '') is not null then {{ column }}
    when is_idle_break then ''
  end
{%- endmacro %}
