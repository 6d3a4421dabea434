{{ config(**upsert_config('event_id', partitioned_by=['event_dt'])) }}

-- Every exp.view event (EXP-3) with its experiment, variant, stitched identity and Gold
-- session: what dim_exposure recomputes an identity's exposures from, a fifth of all
-- events, so it does not join all of int_events_sessionized to the experiment events.
-- Incremental: the exp.view rows int_events_sessionized rewrote since the last build (new,
-- or re-stitched); an event's experiment and variant never change.
with views as (

    select event_id, exp_id, variant, event_at
    from {{ ref('stg_silver__experiment_events') }}
    where event_name = 'exp.view'

),

sessionized as (

    select event_id, identity_id, anon_id, session_id, event_dt
    from {{ ref('int_events_sessionized') }} as changed
    {%- if is_incremental() %}
    where {{ rewritten_since_built('changed') }}
    {%- endif %}

),

final as (

    select
        views.event_id,
        views.exp_id,
        views.variant,
        views.event_at,
        sessionized.identity_id,
        sessionized.anon_id,
        sessionized.session_id,
        {{ gold_built_at() }} as gold_built_at,
        sessionized.event_dt
    from views
    inner join sessionized on sessionized.event_id = views.event_id

)

select * from final
