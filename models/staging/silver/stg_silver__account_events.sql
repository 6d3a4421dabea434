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

-- Account and app lifecycle events: one row per event, payload fields cast to columns.
-- A table appended to per build (see silver_days_since_built), not a view: marts
-- rebuilt in full read it whole.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('app.start', 'user.signup', 'user.login', 'user.logout', 'consent.update')
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
        {{ payload_value('payload', 'platform') }} as platform,
        {{ payload_value('payload', 'app_version') }} as app_version,
        {{ payload_value('payload', 'role') }} as signup_role,
        {{ payload_value('payload', 'method') }} as login_method,
        cast({{ payload_value('payload', 'analytics') }} as boolean) as sets_analytics_consent,
        cast({{ payload_value('payload', 'marketing') }} as boolean) as sets_marketing_consent,
        {{ gold_built_at() }} as gold_built_at

    from source

)

select * from final
