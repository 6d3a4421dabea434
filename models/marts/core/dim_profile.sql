-- Seller profiles (seed `profiles`), with the city's currency for pricing.
with profiles as (

    select * from {{ ref('profiles') }}

),

cities as (

    select * from {{ ref('cities') }}

),

final as (

    select
        profiles.profile_id,
        profiles.display_name,
        profiles.city_id,
        nullif(profiles.studio_id, '') as studio_id,
        profiles.base_price_cents,
        cities.currency
    from profiles
    left join cities on cities.city_id = profiles.city_id

)

select * from final
