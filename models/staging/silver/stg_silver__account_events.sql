-- Account and app lifecycle events: one row per event, payload fields cast to columns.
-- An incremental table, not a view (dbt_project.yml): marts rebuilt in full read it whole.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('app.start', 'user.signup', 'user.login', 'user.logout', 'consent.update')
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
