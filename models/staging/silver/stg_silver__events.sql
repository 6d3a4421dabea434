-- One row per Silver event: the envelope, renamed to Gold conventions and cast.
with source as (

    select * from {{ source('silver', 'events') }}

),

final as (

    select
        event_id,
        event_name,
        cast(event_version as integer) as event_version,
        {{ utc_timestamp('event_ts') }} as event_at,
        event_dt,
        {{ utc_timestamp('received_at') }} as received_at,
        batch_id,
        anon_id,
        user_id,
        session_id as client_session_id,
        cast(seq as bigint) as client_seq,
        device_id,
        source as event_source,
        page_path,
        referrer,
        country as country_code,
        city as city_name,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        click_token,
        consent_analytics as has_analytics_consent,
        consent_marketing as has_marketing_consent,
        payload,
        {{ utc_timestamp('silver_loaded_at') }} as silver_loaded_at

    from source

)

select * from final
