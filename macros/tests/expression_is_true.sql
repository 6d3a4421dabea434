{#- Fails for rows where the SQL boolean `expression` is not true (NULL counts as a
    failure). Attach it to a model, or to a column with `{column}` inside the expression. -#}
{% test expression_is_true(model, expression, column_name=none) %}
  {%- set expr = expression | replace('{column}', column_name or '') -%}
  select *
  from {{ model }}
  where not coalesce(({{ expr }}), false)
{% endtest %}
