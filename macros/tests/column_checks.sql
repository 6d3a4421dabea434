{#- Declares that a model's (or source's) single-table data tests run folded in a
    `lakehouse build`, and (`after`) which other models its relationships tests may read.

    Each data test is a dbt node, and at a few hundred tests dbt's cost per node (compile,
    a transaction, events) outweighs the scoped queries themselves. So an incremental
    `lakehouse build` of an unchanged project leaves out the tests of every model that
    declares `column_checks`, and these nodes too, and runs the tests as one query per
    carrier node, dbt_tests/column_checks/ (lakehouse/transform/checks.py decides which
    tests run where, and passes their ids in env LAKEHOUSE_COLUMN_CHECKS). The first
    build after a project change, `--test-all` and plain `dbt build` run every test as its
    own node, and this one checks nothing. -#}
{% test column_checks(model, after=[]) %}
    select cast(null as varchar) as failed_test, 0 as failing_rows where 1 = 0
{% endtest %}

{#- The query of a carrier (dbt_tests/column_checks/): every test planned for it (env
    LAKEHOUSE_COLUMN_CHECKS, keyed by carrier name) as the test's own macro over the rows
    its own node would read (`test_scoped_relation`), so the verdict is the same; one row
    per failing test, naming it and how many rows it found. Relations come from ref() and
    source(): the carrier depends on all of them. -#}
{% macro column_checks_carrier() %}
  {%- set plans = fromjson(env_var('LAKEHOUSE_COLUMN_CHECKS', '') or '{}') if execute else {} -%}
  {%- set plan = plans.get(model.name, {}) -%}
  {%- set ns = namespace(checks=[]) -%}
  {%- for test_ids in plan.values() -%}
    {%- for test_id in test_ids -%}
      {%- if test_id not in graph.nodes -%}
        {{ exceptions.raise_compiler_error("column_checks carrier: the build's test plan names " ~ test_id ~ ", which this project does not have; rerun with `lakehouse build --test-all`") }}
      {%- endif -%}
      {%- set test = graph.nodes[test_id] -%}
      {%- set kwargs = {} -%}
      {%- for name, value in test.test_metadata.kwargs.items() if name != 'model' -%}
        {%- do kwargs.update({name: value}) -%}
      {%- endfor -%}
      {%- if test.test_metadata.name == 'relationships' -%}
        {%- do kwargs.update({'to': ref(column_checks_ref_name(kwargs['to']))}) -%}
      {%- endif -%}
      {%- set scoped = test_scoped_relation(column_checks_tested(test), test, test.config.where or '') -%}
      {%- set check = column_check_macro(test.test_metadata.name) -%}
      {%- do ns.checks.append((test.name, check(model=scoped, **kwargs))) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if ns.checks -%}
    {%- for name, sql in ns.checks %}
    {% if not loop.first %}union all{% endif %}
    select '{{ name }}' as failed_test, count(*) as failing_rows
    from (
      {{ sql }}
    ) as check_{{ loop.index }}
    having count(*) > 0
    {%- endfor %}
  {%- else -%}
    select cast(null as varchar) as failed_test, 0 as failing_rows where 1 = 0
  {%- endif -%}
{% endmacro %}

{#- The relation data test `test` is defined on: its model or seed, or its source. -#}
{% macro column_checks_tested(test) -%}
  {%- if test.attached_node -%}
    {%- do return(ref(graph.nodes[test.attached_node].name)) -%}
  {%- endif -%}
  {%- set tested = graph.sources[test.depends_on.nodes[0]] -%}
  {%- do return(source(tested.source_name, tested.name)) -%}
{%- endmacro %}

{#- The model a relationships test's `to` (the text `ref('name')`) names. -#}
{% macro column_checks_ref_name(to) -%}
  {%- do return(modules.re.search("ref\\(\\s*['\"]([A-Za-z0-9_]+)['\"]", to).group(1)) -%}
{%- endmacro %}

{#- The macro behind generic test `name`: dbt's own (not_null, unique, accepted_values) or
    this project's (macros/tests/). -#}
{% macro column_check_macro(name) -%}
  {#- dispatch names are literals: dbt resolves them when it parses the project -#}
  {%- if name == 'not_null' -%}
    {%- do return(adapter.dispatch('test_not_null', 'dbt')) -%}
  {%- elif name == 'unique' -%}
    {%- do return(adapter.dispatch('test_unique', 'dbt')) -%}
  {%- elif name == 'accepted_values' -%}
    {%- do return(adapter.dispatch('test_accepted_values', 'dbt')) -%}
  {%- elif name == 'relationships' -%}
    {%- do return(adapter.dispatch('test_relationships', 'dbt')) -%}
  {%- endif -%}
  {%- do return(context['test_' ~ name]) -%}
{%- endmacro %}
