-- One row per dead-lettered line (ING-5): why it was rejected and when it arrived.
with source as (

    select * from {{ source('ops', 'dead_letters') }}

),

final as (

    select
        dlq_file,
        cast(line_no as bigint) as line_no,
        {{ utc_timestamp('received_at') }} as received_at,
        reason,
        nullif(pointer, '') as json_pointer,
        event_name,
        origin
    from source

)

select * from final
