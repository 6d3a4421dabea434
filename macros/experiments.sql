{#- EXP-2 in SQL: the same bucket and variant as lakehouse.experiments.assign.

    bucket  = int(sha256(f"{exp_id}:{identity_id}").hexdigest()[:8], 16) % 10000
    variant = the first variant whose cumulative-weight cutoff exceeds the bucket, where a
              cutoff is round-half-even(cumulative weight / total * 10000) and the last is
              10000; killed experiments and crawlers get control (the first variant).
    tests/experiments/test_assign_sql.py checks 100k ids against the Python function. -#}

{% macro experiment_bucket(exp_id, identity_id) -%}
  ({{ hex_to_bigint('substr(' ~ sha256_hex(exp_id ~ " || ':' || " ~ identity_id) ~ ', 1, 8)') }} % 10000)
{%- endmacro %}


{#- Cumulative cutoffs exactly as assign.cutoffs: Python float arithmetic and round()
    (half to even), which Jinja's round filter does not do. -#}
{% macro experiment_cutoffs(variants) -%}
  {%- set total = namespace(w=0.0) -%}
  {%- for v in variants %}{% set total.w = total.w + (v[1] | float) %}{% endfor -%}
  {%- set acc = namespace(w=0.0, out=[]) -%}
  {%- for v in variants -%}
    {%- set acc.w = acc.w + (v[1] | float) -%}
    {%- set x = acc.w / total.w * 10000 -%}
    {%- set f = x | int -%}
    {%- set frac = x - f -%}
    {%- set r = f + 1 if frac > 0.5 else (f + (f % 2) if frac == 0.5 else f) -%}
    {%- do acc.out.append([v[0], 10000 if loop.last else r]) -%}
  {%- endfor -%}
  {{ return(acc.out) }}
{%- endmacro %}


{#- `variants` is a list of [name, weight] (control first); `status` a literal status;
    `is_crawler` a boolean SQL expression. -#}
{% macro experiment_variant(exp_id, identity_id, variants, status='running', is_crawler='false') -%}
  {%- if status == 'killed' -%}
  '{{ variants[0][0] }}'
  {%- else -%}
  case
    when {{ is_crawler }} then '{{ variants[0][0] }}'
    {%- for v in experiment_cutoffs(variants) %}
    when {{ experiment_bucket(exp_id, identity_id) }} < {{ v[1] }} then '{{ v[0] }}'
    {%- endfor %}
  end
  {%- endif -%}
{%- endmacro %}
