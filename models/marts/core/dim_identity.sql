-- One row per stitched identity (ID-1, ID-2): a user (all their devices' anonymous ids
-- folded in) or an anonymous id that never logged in, with its latest consent (PRIV-2).
with sessionized as (

    select * from {{ ref('int_events_sessionized') }}

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
    group by user_id

),

ranked_consent as (

    select
        sessionized.identity_id,
        consent_updates.sets_analytics_consent,
        consent_updates.sets_marketing_consent,
        consent_updates.event_at,
        -- the last consent.update of each identity decides (ties: the later event_id)
        row_number() over (
            partition by sessionized.identity_id
            order by consent_updates.event_at desc, consent_updates.event_id desc
        ) as recency
    from consent_updates
    inner join sessionized on sessionized.event_id = consent_updates.event_id
    where sessionized.identity_id is not null

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

final as (

    select
        activity.identity_id,
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
        latest_consent.consent_updated_at
    from activity
    left join linked on linked.user_id = activity.identity_id
    left join latest_consent on latest_consent.identity_id = activity.identity_id

)

select * from final
