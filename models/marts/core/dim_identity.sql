{{
    config(**upsert_config(
        'identity_id',
        post_hook=["delete from {{ this }} where n_events is null"]
    ))
}}

-- One row per stitched identity (ID-1, ID-2): a user (all their devices' anonymous ids
-- folded in) or an anonymous id that never logged in, with its latest consent (PRIV-2).
-- Incremental: the identities with events rewritten since the last build are recomputed
-- from all their events and replace their rows; one left without events (an anonymous id
-- that logged in) comes out with NULL counts, and the post-hook deletes it.
with

{% if is_incremental() -%}
rebuilt_identities as (

    {{ identities_rewritten_since_built(ref('int_events_sessionized')) }}

),
{%- endif %}

sessionized as (

    select * from {{ ref('int_events_sessionized') }}
    {%- if is_incremental() %}
    where identity_id in (select identity_id from rebuilt_identities)
    {%- endif %}

),

consent_updates as (

    select * from {{ ref('stg_silver__account_events') }}
    where event_name = 'consent.update'

),

links as (

    select * from {{ ref('int_anon_ids_linked') }}

),

activity as (

    select
        identity_id,
        max(user_id) as user_id,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        count(*) as n_events,
        count(distinct session_id) as n_sessions,
        count(distinct anon_id) as n_anon_ids
    from sessionized
    where identity_id is not null
    group by identity_id

),

linked as (

    select
        user_id,
        count(*) as n_linked_anon_ids,
        min(linked_at) as first_linked_at
    from links
    {%- if is_incremental() %}
    where user_id in (select identity_id from rebuilt_identities)
    {%- endif %}
    group by user_id

),

ranked_consent as (

    select
        identified.identity_id,
        consent_updates.sets_analytics_consent,
        consent_updates.sets_marketing_consent,
        consent_updates.event_at,
        -- the last consent.update of each identity decides (ties: the later event_id)
        row_number() over (
            partition by identified.identity_id
            order by consent_updates.event_at desc, consent_updates.event_id desc
        ) as recency
    from consent_updates
    inner join {{ ref('int_family_event_identities') }} as identified
        on identified.event_id = consent_updates.event_id
    where identified.identity_id is not null
    {%- if is_incremental() %}
      and identified.identity_id in (select identity_id from rebuilt_identities)
    {%- endif %}

),

latest_consent as (

    select
        identity_id,
        sets_analytics_consent as has_analytics_consent,
        sets_marketing_consent as has_marketing_consent,
        event_at as consent_updated_at
    from ranked_consent
    where recency = 1

),

identities as (

    {% if is_incremental() -%}
    select identity_id from rebuilt_identities
    {%- else -%}
    select identity_id from activity
    {%- endif %}

),

final as (

    select
        identities.identity_id,
        activity.user_id,
        activity.user_id is null as is_anonymous,
        activity.first_seen_at,
        activity.last_seen_at,
        activity.n_events,
        activity.n_sessions,
        activity.n_anon_ids,
        coalesce(linked.n_linked_anon_ids, 0) as n_linked_anon_ids,
        linked.first_linked_at,
        latest_consent.has_analytics_consent,
        latest_consent.has_marketing_consent,
        latest_consent.consent_updated_at,
        {{ gold_built_at() }} as gold_built_at
    from identities
    left join activity on activity.identity_id = identities.identity_id
    left join linked on linked.user_id = identities.identity_id
    left join latest_consent on latest_consent.identity_id = identities.identity_id

)

select * from final
