-- Checkout events: one row per event, payload fields cast to columns.
-- An incremental table, not a view (dbt_project.yml): marts rebuilt in full read it whole.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('checkout.start', 'checkout.complete')
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
        {{ payload_value('payload', 'checkout_id') }} as checkout_id,
        {{ payload_value('payload', 'order_id') }} as order_id,
        {{ payload_value('payload', 'profile_id') }} as profile_id,
        cast({{ payload_value('payload', 'amount_cents') }} as bigint) as amount_cents,
        {{ payload_value('payload', 'currency') }} as currency,
        {{ gold_built_at() }} as gold_built_at

    from source

)

select * from final
