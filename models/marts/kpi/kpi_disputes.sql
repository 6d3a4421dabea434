-- Disputes by the day the order was placed × city × currency. dispute_rate = disputed
-- orders / orders; chargeback_win_rate = won / closed disputes (NULL when none closed).
with orders as (

    select * from {{ ref('fact_orders') }}

),

final as (

    select
        order_dt,
        coalesce(city_id, '(unknown)') as city_id,
        currency,
        count(*) as n_orders,
        sum(case when dispute_status <> 'none' then 1 else 0 end) as n_disputed_orders,
        sum(case when dispute_status = 'open' then 1 else 0 end) as n_disputes_open,
        sum(case when dispute_status = 'won' then 1 else 0 end) as n_disputes_won,
        sum(case when dispute_status = 'lost' then 1 else 0 end) as n_disputes_lost,
        sum(case when dispute_status <> 'none' then amount_cents else 0 end) as disputed_gmv_cents,
        cast(sum(case when dispute_status <> 'none' then 1 else 0 end) as double) / count(*)
            as dispute_rate,
        cast(sum(case when dispute_status = 'won' then 1 else 0 end) as double)
            / nullif(sum(case when dispute_status in ('won', 'lost') then 1 else 0 end), 0)
            as chargeback_win_rate
    from orders
    group by 1, 2, 3

)

select * from final
