{#- One query for a model's (or source's) own data tests in a `lakehouse build`.

    Each data test is a dbt node, and at a few hundred tests dbt's cost per node (compile,
    a transaction, events) outweighs the scoped queries themselves. So `lakehouse build`
    runs the single-table tests of every model that declares `column_checks` as this one
    node per model and leaves their own nodes out (lakehouse/transform/checks.py decides
    which, and passes their ids in env LAKEHOUSE_COLUMN_CHECKS, keyed by the relation
    tested). Every check is the test's own macro over the rows its own node would read
    (`test_scoped_relation`), so the verdict is the same; a failing row here names the
    test that failed and how many rows it found. The first build after a project change,
    `--test-all` and plain `dbt build` run every test as its own node, and this one checks
    nothing. -#}
{% test column_checks(model, after=[]) %}
  {%- set plan = fromjson(env_var('LAKEHOUSE_COLUMN_CHECKS', '') or '{}') if execute else {} -%}
  {#- keyed by the relation tested: the `model` here is that relation, not this node. The
      plan lists every column_checks of the project it was made from, so a missing entry
      means its tests were left out but not handed to this node: fail, never skip. -#}
  {%- if plan and (model | string) not in plan -%}
    {{ exceptions.raise_compiler_error("column_checks: the build's test plan has no entry for " ~ model ~ ", so its tests would not run; rerun with `lakehouse build --test-all`") }}
  {%- endif -%}
  {%- set ns = namespace(checks=[]) -%}
  {%- for test_id in plan.get(model | string, []) if test_id in graph.nodes -%}
    {%- set test = graph.nodes[test_id] -%}
    {%- set kwargs = {} -%}
    {%- for name, value in test.test_metadata.kwargs.items() if name != 'model' -%}
      {%- do kwargs.update({name: value}) -%}
    {%- endfor -%}
    {%- if test.test_metadata.name == 'relationships' -%}
      {%- do kwargs.update({'to': column_checks_after(after, kwargs['to'])}) -%}
    {%- endif -%}
    {%- set scoped = test_scoped_relation(model, test, test.config.where or '') -%}
    {%- set check = column_check_macro(test.test_metadata.name) -%}
    {%- do ns.checks.append((test.name, check(model=scoped, **kwargs))) -%}
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
{% endtest %}

{#- A relationships test's `to` (the text `ref('name')`) as the relation among this
    column_checks' `after` refs (rendered by dbt, and the reason dbt runs this node after
    them); checks.py folds only tests whose `to` is there. -#}
{% macro column_checks_after(after, to) -%}
  {%- set name = modules.re.search("ref\\(\\s*['\"]([A-Za-z0-9_]+)['\"]", to).group(1) -%}
  {%- for relation in after if relation.identifier == name -%}
    {%- do return(relation) -%}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error("column_checks: " ~ to ~ " is not among its `after` models; add it there") }}
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
