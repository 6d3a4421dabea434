-- One row per stitched identity (ID-1, ID-2): a user (all their devices' anonymous ids
-- folded in) or an anonymous id that never logged in.
with sessionized as (

    select * from {{ ref('int_events_sessionized') }}

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
        linked.first_linked_at
    from activity
    left join linked on linked.user_id = activity.identity_id

)

select * from final
