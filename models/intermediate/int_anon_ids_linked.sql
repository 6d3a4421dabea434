-- ID-1: each anonymous id that was ever seen together with a user id is linked to the user
-- of the EARLIEST such event (ties broken by event_id). Deny-listed ids never link (ID-2).
-- Ranks the pairs of int_anon_user_pairs (one row per anon × user, a small table).
with pairs as (

    select * from {{ ref('int_anon_user_pairs') }}

),

ranked as (

    select
        anon_id,
        user_id,
        first_at,
        first_event_id,
        row_number() over (partition by anon_id order by first_at, first_event_id) as link_rank,
        count(*) over (partition by anon_id) as n_user_ids
    from pairs

),

final as (

    select
        anon_id,
        user_id,
        first_at as linked_at,
        first_event_id as link_event_id,
        n_user_ids
    from ranked
    where link_rank = 1

)

select * from final
