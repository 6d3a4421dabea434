-- Experiment events: one row per event, payload fields cast to columns.
-- An incremental table, not a view (dbt_project.yml): marts rebuilt in full read it whole.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('exp.view', 'exp.convert')
    {%- if is_incremental() %}
      and {{ silver_rows_since_built(source('silver', 'events')) }}
    {%- endif %}

),

final as (

    select
        event_id,
        event_name,
        {{ utc_timestamp('event_ts') }} as event_at,
        event_dt,
        {{ utc_timestamp('silver_loaded_at') }} as silver_loaded_at,
        {{ payload_value('payload', 'exp_id') }} as exp_id,
        {{ payload_value('payload', 'variant') }} as variant,
        {{ payload_value('payload', 'metric') }} as metric,
        {{ gold_built_at() }} as gold_built_at

    from source

)

select * from final
