-- Sponsored slot events: one row per event, payload fields cast to columns.
-- An incremental table, not a view (dbt_project.yml): marts rebuilt in full read it whole.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('promo.impression', 'promo.click')
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
        {{ payload_value('payload', 'promo_id') }} as promo_id,
        cast({{ payload_value('payload', 'slot') }} as bigint) as promo_slot,
        cast({{ payload_value('payload', 'is_sponsored') }} as boolean) as is_sponsored,
        {{ gold_built_at() }} as gold_built_at

    from source

)

select * from final
