{{ config(**upsert_config('event_id', partitioned_by=['event_dt'])) }}

{%- if is_incremental() %}
{%- set from_dt = rebuilt_days_from(ref('int_events_sessionized')) %}
{%- endif %}

-- Profile views (profile.view), one row each, with the profile's city. Incremental as
-- fact_events: whole days from Silver, re-stitched rows before them patched in place.
with profile_views as (

    select * from {{ ref('stg_silver__profile_views') }}
    {% if is_incremental() %}
    where event_dt >= {{ from_dt }}
    {% endif %}

),

sessionized as (

    select * from {{ ref('int_events_sessionized') }} as changed
    {% if is_incremental() %}
    where {{ rewritten_since_built('changed') }}
    {% endif %}

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
    union all

    -- earlier days: the built view with its re-stitched identity and session
    select
        built.event_id,
        built.viewed_at,
        sessionized.identity_id,
        sessionized.session_id,
        built.profile_id,
        built.studio_id,
        built.city_id,
        {{ gold_built_at() }} as gold_built_at,
        built.event_dt
    from (
        {{ sparse_rows(this, '*', 'event_dt < ' ~ from_dt
            ~ ' and event_id in (select event_id from sessionized)') }}
    ) as built
    inner join sessionized on sessionized.event_id = built.event_id
    {% endif %}

)

select * from final
