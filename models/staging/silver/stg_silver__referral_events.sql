-- Referral events: one row per event, payload fields cast to columns.
-- An incremental table, not a view (dbt_project.yml): marts rebuilt in full read it whole.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('referral.signup', 'referral.qualified')
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
        {{ payload_value('payload', 'referrer_user_id') }} as referrer_user_id,
        {{ payload_value('payload', 'referral_code') }} as referral_code,
        {{ payload_value('payload', 'order_id') }} as order_id,
        {{ gold_built_at() }} as gold_built_at

    from source

)

select * from final
