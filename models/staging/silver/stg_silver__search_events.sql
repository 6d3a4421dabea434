-- Search events: one row per event, payload fields cast to columns.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('search.query', 'search.result_click')

),

final as (

    select
        event_id,
        event_name,
        {{ utc_timestamp('event_ts') }} as event_at,
        event_dt,
        {{ utc_timestamp('silver_loaded_at') }} as silver_loaded_at,
        {{ payload_value('payload', 'query_id') }} as query_id,
        {{ payload_value('payload', 'query') }} as query_text,
        cast({{ payload_value('payload', 'results_count') }} as bigint) as results_count,
        {{ payload_value('payload', 'city') }} as search_city_name,
        {{ payload_value('payload', 'impression_id') }} as impression_id,
        {{ payload_value('payload', 'profile_id') }} as profile_id,
        cast({{ payload_value('payload', 'rank') }} as bigint) as result_rank

    from source

)

select * from final
