-- ID-1: each anonymous id that was ever seen together with a user id is linked to the user
-- of the EARLIEST such event (ties broken by event_id). Deny-listed ids never link (ID-2).
with events as (

    select * from {{ ref('stg_silver__events') }}

),

pairs as (

    select
        {{ clean_id('anon_id') }} as anon_id,
        {{ clean_id('user_id') }} as user_id,
        event_at,
        event_id
    from events

),

linked_pairs as (

    select * from pairs
    where anon_id is not null
      and user_id is not null

),

ranked as (

    select
        anon_id,
        user_id,
        event_at,
        event_id,
        row_number() over (partition by anon_id order by event_at, event_id) as link_rank
    from linked_pairs

),

users_per_anon as (

    select
        anon_id,
        count(distinct user_id) as n_user_ids
    from linked_pairs
    group by anon_id

),

final as (

    select
        ranked.anon_id,
        ranked.user_id,
        ranked.event_at as linked_at,
        ranked.event_id as link_event_id,
        users_per_anon.n_user_ids
    from ranked
    inner join users_per_anon on users_per_anon.anon_id = ranked.anon_id
    where ranked.link_rank = 1

)

select * from final
