{#- Incremental state (Snowplow habit: explicit, visible in the model).

    Every incremental model carries `gold_built_at`, the start of the dbt invocation that
    (re)wrote its row, and replaces rows by key (event_id, session_id). A downstream model
    rebuilds the rows its upstream rewrote since the downstream's own last build, so one
    watermark drives the whole chain: whole days from the upstream's first rebuilt day,
    single rows before it. -#}

{#- The timestamp stamped on rows written by this invocation. -#}
{% macro gold_built_at() -%}
  cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The value of one-value query `sql` (a date or a timestamp: `type`), run when the model
    runs (its upstream is built by then), as a literal: a constant bound lets DuckDB prune
    Silver's event_dt partitions and Gold's row groups (zone maps), where a scalar subquery
    would scan everything. NULL (nothing to rebuild) selects nothing. A unit test's `this`
    is a CTE of its own query, so there `sql` stays inline as a scalar subquery (same
    value). -#}
{% macro literal_of(sql, type) -%}
  {%- if not execute -%}
    {{ return('cast(null as ' ~ type ~ ')') }}
  {%- elif model.resource_type == 'unit_test' -%}
    {{ return('(' ~ sql ~ ')') }}
  {%- endif -%}
  {%- set result = run_query(sql) -%}
  {%- set values = result.columns[0].values() if result.columns | length > 0 else [] -%}
  {%- if values | length == 0 -%}
    {#- an aggregate always returns one row; none means an engine that executes nothing (the
        offline Athena compile against moto): keep the scalar subquery, so the compiled SQL
        the portability check reads holds the whole logic -#}
    {{ return('(' ~ sql ~ ')') }}
  {%- endif -%}
  {{ return('cast(null as ' ~ type ~ ')' if values[0] is none else type ~ " '" ~ values[0] ~ "'") }}
{%- endmacro %}

{% macro date_literal_of(sql) -%}
  {{ return(literal_of(sql, 'date')) }}
{%- endmacro %}

{#- First event_dt a model downstream of `upstream` (an event_id-keyed incremental model)
    rebuilds whole from its inputs, as a date literal: every upstream row on that day or
    later was rewritten since this model's last build (the upstream rewrites whole days
    from its first rebuilt day on), so every new event is there. Rewritten rows on earlier
    days (re-stitched identities) are patched from this model's own rows instead, see
    `rewritten_since_built`. Nothing rewritten: a day after the last, which selects nothing. -#}
{% macro rebuilt_days_from(upstream) -%}
  {%- set sql -%}
    select coalesce(
        cast({{ dbt.dateadd('day', 1, 'max(case when not rewritten then event_dt end)') }} as date),
        min(event_dt))
    from (
        select event_dt, {{ rewritten_since_built('changed') }} as rewritten
        from {{ upstream }} as changed
    ) as upstream_days
  {%- endset -%}
  {{ return(date_literal_of(sql)) }}
{%- endmacro %}

{#- True for an upstream row (alias `alias`) rewritten since this model's last build; the
    bound is a literal, so the scan reads only the row groups written since (a rebuild
    appends its rows). A model with no rows yet takes every upstream row. -#}
{% macro rewritten_since_built(alias) -%}
  {%- set built = "coalesce(max(done.gold_built_at), cast('1970-01-01 00:00:00' as timestamp))" -%}
  {{ alias }}.gold_built_at > {{ literal_of('select ' ~ built ~ ' from ' ~ this ~ ' as done', 'timestamp') }}
{%- endmacro %}

{#- An event-grain model's input rows (`columns` of `source`): whole days from `from_dt`
    (rebuilt_days_from) on, and before it this model's own built rows whose identity or
    session int_events_sessionized rewrote, to be joined to the new stitching. -#}
{% macro rebuilt_event_rows(source, columns, from_dt) -%}
    select {{ columns | join(', ') }}
    from {{ source }}
    {% if is_incremental() %}
    where event_dt >= {{ from_dt }}

    union all

    {% set restitched -%}
      event_dt < {{ from_dt }}
      and event_id in (
          select changed.event_id
          from {{ ref('int_events_sessionized') }} as changed
          where changed.event_dt < {{ from_dt }} and {{ rewritten_since_built('changed') }}
      )
    {%- endset %}
    {{ sparse_rows(this, columns | join(', '), restitched) }}
    {% endif %}
{%- endmacro %}

{#- For an incremental model fed by Silver rows (the staging families that marts rebuilt
    in full read whole, the identity pairs): the rows of `source` loaded since this model's
    last build, bounded by the first event_dt among them as a date literal so the scan
    prunes every older partition. Silver rows never change (a DSAR delete rebuilds Gold in
    full), so adding them to what the model kept gives a full refresh's table. -#}
{% macro silver_rows_since_built(source) -%}
  {%- set loaded = utc_timestamp('silver_loaded_at') ~ ' > ' ~ silver_loaded_watermark() -%}
  {%- set first_day = date_literal_of('select min(event_dt) from ' ~ source ~ ' where ' ~ loaded) -%}
  event_dt >= {{ first_day }} and {{ loaded }}
{%- endmacro %}

{#- The last Silver load this model holds; before any (a family with no rows yet), the
    epoch, so the next rows of that family are appended rather than compared with NULL. -#}
{% macro silver_loaded_watermark() -%}
  coalesce((select max(built.silver_loaded_at) from {{ this }} as built), cast('1970-01-01 00:00:00' as timestamp))
{%- endmacro %}

{#- For an identity-grain model (dim_identity, dim_exposure): the identities whose rows it
    rebuilds, from `sessionized` (int_events_sessionized) rows rewritten since this model's
    last build: their identity, and their anonymous id (its own identity before it logged
    in, now perhaps without events). A re-stitch rewrites the whole timelines of the old
    and the new identity, so every identity whose events changed is here. -#}
{% macro identities_rewritten_since_built(sessionized) -%}
    {{ identities_of_rows(sessionized, rewritten_since_built('rewritten')) }}
{%- endmacro %}

{#- The identity and the anonymous id of every row of `relation` (alias `rewritten`)
    meeting `condition`, as one column `identity_id`. -#}
{% macro identities_of_rows(relation, condition) -%}
    with changed as (
        select rewritten.identity_id, rewritten.anon_id
        from {{ relation }} as rewritten
        where {{ condition }}
    )
    select identity_id from changed where identity_id is not null
    union
    select anon_id from changed where anon_id is not null
{%- endmacro %}

{#- The config every incremental Gold model shares, for `config(**upsert_config(...))`:
    rows replaced by `unique_key` (row_upsert_strategy), an Iceberg table on Athena
    (partitioned by `partitioned_by` when given), and a build that fails rather than guess
    when the model's columns change (`--full-refresh` rebuilds it). -#}
{% macro upsert_config(unique_key, partitioned_by=none, post_hook=none) -%}
  {%- set settings = {
      'materialized': 'incremental',
      'incremental_strategy': row_upsert_strategy(),
      'unique_key': unique_key,
      'table_type': 'iceberg',
      'on_schema_change': 'fail'} -%}
  {%- if partitioned_by -%}
    {%- do settings.update({'partitioned_by': partitioned_by}) -%}
  {%- endif -%}
  {%- if post_hook -%}
    {%- do settings.update({'post_hook': post_hook}) -%}
  {%- endif -%}
  {{ return(settings) }}
{%- endmacro %}
