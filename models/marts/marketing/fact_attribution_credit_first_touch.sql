-- ATT-7 first-touch credit per conversion and touch (the rules live in macros/attribution.sql).
with credits as (

    {{ attribution_credits('first_touch') }}

),

final as (

    select * from credits

)

select * from final
