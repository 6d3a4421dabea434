{{
    config(
        materialized='incremental',
        incremental_strategy=partition_overwrite_strategy(),
        unique_key='event_dt',
        partitioned_by=['event_dt'],
        on_schema_change='fail'
    )
}}

{%- if is_incremental() %}
{%- set from_dt = upstream_changed_from(ref('int_events_sessionized')) %}
{%- endif %}

-- Profile views (profile.view), one row each, with the profile's city.
with profile_views as (

    select * from {{ ref('stg_silver__profile_views') }}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }}

),

profiles as (

    select * from {{ ref('dim_profile') }}

),

final as (

    select
        profile_views.event_id,
        profile_views.event_at as viewed_at,
        sessionized.identity_id,
        sessionized.session_id,
        profile_views.profile_id,
        coalesce(profile_views.studio_id, profiles.studio_id) as studio_id,
        profiles.city_id,
        {{ gold_built_at() }} as gold_built_at,
        profile_views.event_dt
    from profile_views
    inner join sessionized on sessionized.event_id = profile_views.event_id
    left join profiles on profiles.profile_id = profile_views.profile_id
    {% if is_incremental() %}
    where profile_views.event_dt >= {{ from_dt }}
      and sessionized.event_dt >= {{ from_dt }}
    {% endif %}

)

select * from final
