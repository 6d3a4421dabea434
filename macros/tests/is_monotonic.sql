{#- Fails for rows where `column_name` does not increase (strictly, unless strict=false)
    over the previous row of its `partition_by` group in `order_by` order: counters such
    as the client seq must never go backwards. NULLs are skipped. -#}
{% test is_monotonic(model, column_name, partition_by, order_by, strict=true) %}
  {%- set op = '>' if strict else '>=' -%}
  with ordered as (
    select
      {{ column_name }} as value,
      lag({{ column_name }}) over (partition by {{ partition_by }} order by {{ order_by }}) as previous_value
    from {{ model }}
    where {{ column_name }} is not null
  )
  select *
  from ordered
  where previous_value is not null
    and not (value {{ op }} previous_value)
{% endtest %}
