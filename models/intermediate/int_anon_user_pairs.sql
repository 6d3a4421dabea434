{{ config(**upsert_config(['anon_id', 'user_id'])) }}

-- ID-1 input: each (anonymous id, user id) pair ever seen on one event, with its earliest
-- event (event_at, then event_id). Deny-listed ids (ID-2) pair with nothing. Incremental:
-- the pairs of the Silver rows loaded since the last build, each merged with the earliest
-- event already kept for it (Silver rows never change; a DSAR delete rebuilds in full).
with events as (

    select * from {{ ref('stg_silver__events') }}
    where anon_id is not null and user_id is not null
    {%- if is_incremental() %}
      and {{ silver_rows_since_built(ref('stg_silver__events')) }}
    {%- endif %}

),

pairs as (

    select
        {{ clean_id('anon_id') }} as anon_id,
        {{ clean_id('user_id') }} as user_id,
        event_at,
        event_id,
        silver_loaded_at
    from events

),

new_pairs as (

    select * from pairs
    where anon_id is not null
      and user_id is not null

),

candidates as (

    select * from new_pairs
    {%- if is_incremental() %}

    union all

    select built.anon_id, built.user_id, built.first_at, built.first_event_id, built.silver_loaded_at
    from {{ this }} as built
    inner join (select distinct anon_id, user_id from new_pairs) as touched
        on touched.anon_id = built.anon_id and touched.user_id = built.user_id
    {%- endif %}

),

firsts as (

    select
        anon_id,
        user_id,
        min(event_at) as first_at,
        max(silver_loaded_at) as silver_loaded_at
    from candidates
    group by anon_id, user_id

),

final as (

    select
        firsts.anon_id,
        firsts.user_id,
        firsts.first_at,
        min(candidates.event_id) as first_event_id,
        firsts.silver_loaded_at,
        {{ gold_built_at() }} as gold_built_at
    from firsts
    inner join candidates
        on candidates.anon_id = firsts.anon_id
        and candidates.user_id = firsts.user_id
        and candidates.event_at = firsts.first_at
    group by firsts.anon_id, firsts.user_id, firsts.first_at, firsts.silver_loaded_at

)

select * from final
