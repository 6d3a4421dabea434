-- ATT-7: in every credit model each conversion appears, and its credits sum to 1.
with conversions as (

    select conversion_type, conversion_id from {{ ref('int_attribution_conversions') }}

),

credits as (

    {%- for method in ['first_touch', 'last_non_direct', 'linear', 'position_based'] %}
    select attribution_model, conversion_type, conversion_id, credit
    from {{ ref('fact_attribution_credit_' ~ method) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

models as (

    {%- for method in ['first_touch', 'last_non_direct', 'linear', 'position_based'] %}
    select '{{ method }}' as attribution_model
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

totals as (

    select attribution_model, conversion_type, conversion_id, sum(credit) as total_credit
    from credits
    group by 1, 2, 3

),

final as (

    select
        models.attribution_model,
        conversions.conversion_type,
        conversions.conversion_id,
        totals.total_credit
    from conversions
    cross join models
    left join totals
        on totals.attribution_model = models.attribution_model
        and totals.conversion_type = conversions.conversion_type
        and totals.conversion_id = conversions.conversion_id
    where totals.total_credit is null or abs(totals.total_credit - 1.0) > 1e-9

)

select * from final
