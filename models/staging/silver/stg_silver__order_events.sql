-- Server-side order aftermath: one row per event, payload fields cast to columns.
with source as (

    select * from {{ source('silver', 'events') }}
    where event_name in ('order.refunded', 'dispute.opened', 'dispute.closed', 'payout.paid')

),

final as (

    select
        event_id,
        event_name,
        {{ utc_timestamp('event_ts') }} as event_at,
        event_dt,
        {{ utc_timestamp('silver_loaded_at') }} as silver_loaded_at,
        {{ payload_value('payload', 'order_id') }} as order_id,
        cast({{ payload_value('payload', 'amount_cents') }} as bigint) as amount_cents,
        {{ payload_value('payload', 'outcome') }} as dispute_outcome,
        {{ payload_value('payload', 'payout_id') }} as payout_id

    from source

)

select * from final
