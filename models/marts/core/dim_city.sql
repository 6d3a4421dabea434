-- Marketplace cities (seed `cities`).
with cities as (

    select * from {{ ref('cities') }}

),

final as (

    select
        city_id,
        city_name,
        country as country_code,
        currency,
        cast(take_rate as double) as take_rate
    from cities

)

select * from final
