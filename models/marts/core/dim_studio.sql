-- Photo studios (seed `studios`).
with studios as (

    select * from {{ ref('studios') }}

),

final as (

    select
        studio_id,
        studio_name,
        city_id
    from studios

)

select * from final
