{#- Fails for rows whose `column_name` lies outside [min_value, max_value] (either bound
    optional; `inclusive=false` makes both bounds strict). NULLs pass: use not_null. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
  {%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error("accepted_range on " ~ column_name ~ " needs min_value or max_value") }}
  {%- endif -%}
  {%- set lo = '>=' if inclusive else '>' -%}
  {%- set hi = '<=' if inclusive else '<' -%}
  select *
  from {{ model }}
  where {{ column_name }} is not null
    and not (
      1 = 1
      {%- if min_value is not none %} and {{ column_name }} {{ lo }} {{ min_value }}{% endif %}
      {%- if max_value is not none %} and {{ column_name }} {{ hi }} {{ max_value }}{% endif %}
    )
{% endtest %}
