{{ config(**upsert_config('event_id', partitioned_by=['event_dt'])) }}

-- The stitched identity and Gold session of every event in the Silver families that the
-- order, checkout and referral marts rebuild in full, and of every consent.update (whose
-- identity dim_identity takes its consent from): a small lookup, so those models do not
-- each scan all of int_events_sessionized. Incremental: the rows of those events that
-- int_events_sessionized rewrote since the last build (new, or re-stitched).
with family_events as (

    select event_id from {{ ref('stg_silver__checkout_events') }}
    union all
    select event_id from {{ ref('stg_silver__order_events') }}
    union all
    select event_id from {{ ref('stg_silver__referral_events') }}
    union all
    select event_id from {{ ref('stg_silver__account_events') }}
    where event_name = 'consent.update'

),

final as (

    select
        sessionized.event_id,
        sessionized.identity_id,
        sessionized.user_id,
        sessionized.session_id,
        {{ gold_built_at() }} as gold_built_at,
        sessionized.event_dt
    from {{ ref('int_events_sessionized') }} as sessionized
    where sessionized.event_id in (select event_id from family_events)
    {%- if is_incremental() %}
      and {{ rewritten_since_built('sessionized') }}
    {%- endif %}

)

select * from final
