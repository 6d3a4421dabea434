-- ATT-7 last-non-direct credit per conversion and touch (the rules live in macros/attribution.sql).
with credits as (

    {{ attribution_credits('last_non_direct') }}

),

final as (

    select * from credits

)

select * from final
