-- ATT-7 position-based credit per conversion and touch (the rules live in macros/attribution.sql).
with credits as (

    {{ attribution_credits('position_based') }}

),

final as (

    select * from credits

)

select * from final
