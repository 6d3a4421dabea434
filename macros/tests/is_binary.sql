{#- Fails for rows whose `column_name` is not 0 or 1 (NULL fails too): per-identity rate
    metrics must be indicators for the beta-binomial analysis. -#}
{% test is_binary(model, column_name) %}
  select *
  from {{ model }}
  where {{ column_name }} is null or {{ column_name }} not in (0, 1)
{% endtest %}
