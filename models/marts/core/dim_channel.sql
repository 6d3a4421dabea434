-- Channel groups by (utm_source, utm_medium) (seed `channel_mapping`, ATT-5).
with channel_mapping as (

    select * from {{ ref('channel_mapping') }}

),

final as (

    select
        utm_source,
        utm_medium,
        channel_group,
        utm_source = '*' as is_medium_default
    from channel_mapping

)

select * from final
