{#- ATT-7 credit models over int_attribution_paths. Every conversion gets credits that sum
    to 1: `first_touch` and `last_non_direct` give 1 to one touch (last-non-direct is the
    ATT-4 winner, the same touch fact_attribution_* report); `linear` splits evenly;
    `position_based` gives 40% to the first and last touch and 20% across the middle ones
    (one touch: 100%; two touches: 50/50). A conversion without a valid touch gets one
    `direct` row with credit 1. -#}
{% macro attribution_credits(method) -%}
{%- set methods = ['first_touch', 'last_non_direct', 'linear', 'position_based'] -%}
{%- if method not in methods -%}
  {{ exceptions.raise_compiler_error(
      "attribution_credits: unknown method '" ~ method ~ "'; use one of " ~ methods | join(', ')) }}
{%- endif -%}
{#- credits are doubles (1e0, not 1.0): Trino types 1.0 as a decimal and divides it as one -#}
with conversions as (

    select * from {{ ref('int_attribution_conversions') }}

),

paths as (

    select * from {{ ref('int_attribution_paths') }}

),

credited as (

    select
        conversion_type,
        conversion_id,
        touch_event_id,
        touch_at,
        channel,
        utm_source,
        utm_medium,
        utm_campaign,
        has_click_proof,
        n_touches,
        {%- if method == 'first_touch' %}
        case when touch_number = 1 then 1e0 else 0e0 end as credit
        {%- elif method == 'last_non_direct' %}
        case when precedence_rank = 1 then 1e0 else 0e0 end as credit
        {%- elif method == 'linear' %}
        1e0 / n_touches as credit
        {%- else %}
        case
            when n_touches = 1 then 1e0
            when n_touches = 2 then 5e-1
            when touch_number = 1 or touch_number = n_touches then 4e-1
            else 2e-1 / (n_touches - 2)
        end as credit
        {%- endif %}
    from paths

),

credit_rows as (

    select
        conversions.conversion_type,
        conversions.conversion_id,
        conversions.identity_id,
        conversions.converted_at,
        credited.touch_event_id,
        credited.touch_at as touch_ts,
        coalesce(credited.channel, 'direct') as channel,
        coalesce(credited.utm_source, 'direct') as source,
        credited.utm_medium as medium,
        credited.utm_campaign as campaign,
        coalesce(credited.has_click_proof, false) as has_click_proof,
        coalesce(credited.n_touches, 0) as n_valid_touches,
        coalesce(credited.credit, 1e0) as credit,
        coalesce(credited.credit, 1e0) * conversions.revenue_cents as credited_revenue_cents,
        conversions.currency,
        '{{ method }}' as attribution_model,
        cast(conversions.converted_at as date) as converted_dt
    from conversions
    left join credited
        on credited.conversion_type = conversions.conversion_type
        and credited.conversion_id = conversions.conversion_id
    where credited.credit is null or credited.credit > 0

)

select * from credit_rows
{%- endmacro %}
