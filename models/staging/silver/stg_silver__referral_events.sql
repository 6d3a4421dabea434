{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        partitioned_by=['event_dt'],
        table_type='iceberg',
        on_schema_change='fail'
    )
}}

{%- if is_incremental() %}
{%- set from_dt = silver_days_since_built(source('silver', 'events')) %}
{%- endif %}

-- Referral events: one row per event, payload fields cast to columns.
-- A table appended to per build (see silver_days_since_built), not a view: marts
-- rebuilt in full read it whole.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('referral.signup', 'referral.qualified')
    {%- if is_incremental() %}
      and event_dt >= {{ from_dt }}
      and {{ utc_timestamp('silver_loaded_at') }} > {{ silver_loaded_watermark() }}
    {%- endif %}

),

final as (

    select
        event_id,
        event_name,
        {{ utc_timestamp('event_ts') }} as event_at,
        event_dt,
        {{ utc_timestamp('silver_loaded_at') }} as silver_loaded_at,
        {{ payload_value('payload', 'referrer_user_id') }} as referrer_user_id,
        {{ payload_value('payload', 'referral_code') }} as referral_code,
        {{ payload_value('payload', 'order_id') }} as order_id,
        {{ gold_built_at() }} as gold_built_at

    from source

)

select * from final
