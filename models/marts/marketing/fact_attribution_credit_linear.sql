-- ATT-7 linear credit per conversion and touch (the rules live in macros/attribution.sql).
with credits as (

    {{ attribution_credits('linear') }}

),

final as (

    select * from credits

)

select * from final
