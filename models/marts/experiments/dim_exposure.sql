-- depends_on: {{ ref('int_events_sessionized') }}
{{
    config(**upsert_config(
        ['exp_id', 'identity_id'],
        post_hook=["delete from {{ this }} where n_exposure_events is null"]
    ))
}}

-- EXP-3: one row per experiment × identity, from its first exp.view. The identity is the
-- analysis unit; metrics in fact_experiments count from first_exposed_at.
-- Incremental: the identities with events rewritten since the last build are recomputed
-- from all their exposures (int_exposure_events) and replace their rows; an exposure row
-- such an identity no longer has (an anonymous id that logged in) comes out as NULLs the
-- post-hook deletes.
with

{% if is_incremental() -%}
rebuilt_identities as (

    {{ identities_rewritten_since_built(ref('int_events_sessionized')) }}

),
{%- endif %}

identified as (

    select exp_id, identity_id, session_id, variant, event_id, event_at
    from {{ ref('int_exposure_events') }}
    where identity_id is not null
    {%- if is_incremental() %}
      and identity_id in (select identity_id from rebuilt_identities)
    {%- endif %}

),

per_identity as (

    select
        exp_id,
        identity_id,
        count(distinct variant) as n_variants_seen,
        count(distinct session_id) as n_exposed_sessions,
        count(*) as n_exposure_events
    from identified
    group by exp_id, identity_id

),

firsts as (

    select *
    from (
        select
            identified.*,
            row_number() over (
                partition by exp_id, identity_id order by event_at, event_id
            ) as exposure_number
        from identified
    ) as numbered
    where exposure_number = 1

),

exposed as (

    select
        firsts.exp_id,
        firsts.identity_id,
        firsts.variant,
        firsts.event_at as first_exposed_at,
        firsts.event_id as first_exposure_event_id,
        cast(firsts.event_at as date) as first_exposed_dt,
        {{ experiment_bucket('firsts.exp_id', 'firsts.identity_id') }} as bucket,
        per_identity.n_variants_seen,
        per_identity.n_exposed_sessions,
        per_identity.n_exposure_events
    from firsts
    inner join per_identity
        on per_identity.exp_id = firsts.exp_id
        and per_identity.identity_id = firsts.identity_id

),

final as (

    select exposed.*, {{ gold_built_at() }} as gold_built_at
    from exposed
    {%- if is_incremental() %}

    union all

    select
        built.exp_id,
        built.identity_id,
        null, null, null, null, null, null, null, null,
        {{ gold_built_at() }} as gold_built_at
    from {{ this }} as built
    where built.identity_id in (select identity_id from rebuilt_identities)
      and not exists (
          select 1 from exposed
          where exposed.exp_id = built.exp_id and exposed.identity_id = built.identity_id
      )
    {%- endif %}

)

select * from final
