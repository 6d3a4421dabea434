{#- Overrides dbt's get_where_subquery (the wrapper every generic test puts around the
    model it tests) so an incremental `lakehouse build` tests the rows it wrote, not all
    history: an incremental model (all stamp `gold_built_at`) is tested on the rows this
    run wrote; Silver itself and a Silver staging view (`silver_loaded_at`) on the Silver
    rows loaded since the previous successful build, except that a `unique` test on Silver
    groups every row sharing an id with those (a new row colliding with an old one fails)
    (env LAKEHOUSE_TEST_ROWS_SINCE set by `lakehouse build`, or var lakehouse__test_rows_since). Anything else, a full
    refresh and `lakehouse build --test-all` test every row. A test's own `where` config
    still applies. One file on purpose: a test's macro namespace holds only the macros it
    depends on, found from these calls. -#}
{% macro get_where_subquery(relation) -%}
    {#- column_checks scopes each check it runs itself (column_checks.sql) -#}
    {%- if (model.test_metadata or {}).get('name') == 'column_checks' -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- do return(test_scoped_relation(relation, model, config.get('where', ''))) -%}
{%- endmacro %}

{#- `relation` as data test `test_node` (a graph node) sees it: its `where` config and the
    scope above. -#}
{% macro test_scoped_relation(relation, test_node, where) -%}
    {%- set model = test_node -%}  {#- the name the rules below use, as in a test's context -#}
    {#- env: set by `lakehouse build`, read only at run time so it does not make dbt re-parse -#}
    {%- set since = var('lakehouse__test_rows_since', '') or (env_var('LAKEHOUSE_TEST_ROWS_SINCE', '') if execute else '') -%}
    {%- set scope = '' -%}
    {%- set ns = namespace(on_source=false, on_silver=false) -%}
    {%- for node in model.depends_on.nodes if node.startswith('source.') -%}
        {%- set ns.on_source = true -%}  {#- the ops snapshot (small files): tested whole -#}
        {%- set ns.on_silver = ns.on_silver or node.split('.')[2] == 'silver' -%}
    {%- endfor -%}
    {#- the Silver rows loaded since, bounded by the first event_dt among them (env, from
        `lakehouse build`) so the test reads only those days' partitions; Silver's own
        timestamptz compares with the UTC literal -#}
    {%- set days_from = env_var('LAKEHOUSE_TEST_DAYS_FROM', '') if execute and not var('lakehouse__test_rows_since', '') else '' -%}
    {%- set loaded = "silver_loaded_at >= cast('" ~ since ~ "' as timestamp)"
          ~ (" and event_dt >= date '" ~ days_from ~ "'" if days_from else "") -%}
    {%- if since and execute and ns.on_silver -%}
        {%- if (model.test_metadata or {}).get('name') == 'unique' -%}
            {%- set column = model.test_metadata.kwargs.column_name -%}
            {%- set scope = column ~ " in (select " ~ column ~ " from " ~ relation ~ " where " ~ loaded ~ ")" -%}
        {%- else -%}
            {%- set scope = loaded -%}
        {%- endif -%}
    {%- elif since and execute and relation is not string and not ns.on_source -%}
        {#- which rows the tested model holds, from the graph (a catalog query per test costs
            more than the scoped test): every incremental model stamps gold_built_at, every
            Silver staging view has silver_loaded_at and event_dt -#}
        {%- set tested = graph.nodes.get(model.attached_node) or {} -%}
        {%- if (tested.get('config') or {}).get('materialized') == 'incremental' -%}
            {%- set scope = "gold_built_at = cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp)" -%}
        {%- elif (tested.get('original_file_path') or '').startswith('models/staging/silver/') -%}
            {%- set scope = loaded -%}
        {%- endif -%}
    {%- endif -%}
    {%- set conditions = [where, scope] | select | list -%}
    {%- if conditions -%}
        {%- do return("(select * from " ~ relation ~ " where (" ~ conditions | join(") and (") ~ ")) dbt_subquery") -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
