{#- ID-2: an id on the deny-list (trimmed, case-insensitive) is treated as absent, so it
    can never link two events. Returns the id itself or NULL. -#}
{% macro clean_id(column) -%}
  {%- set denied = [] -%}
  {%- for value in var('lakehouse__id_deny_list') -%}
    {%- do denied.append("'" ~ (value | string | lower | replace("'", "''")) ~ "'") -%}
  {%- endfor -%}
  case
    when {{ column }} is null then null
    when lower(trim({{ column }})) in ({{ denied | join(', ') }}) then null
    else {{ column }}
  end
{%- endmacro %}
