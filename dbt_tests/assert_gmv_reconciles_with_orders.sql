-- The GMV marts add up to the orders they summarise, per currency.
with orders as (

    select currency, count(*) as n_orders, sum(amount_cents) as gmv_cents
    from {{ ref('fact_orders') }}
    group by currency

),

daily as (

    select currency, sum(n_orders) as n_orders, sum(gmv_cents) as gmv_cents
    from {{ ref('kpi_gmv_daily') }}
    group by currency

),

take as (

    select currency, sum(n_orders) as n_orders, sum(gmv_cents) as gmv_cents
    from {{ ref('kpi_take_rate') }}
    group by currency

),

final as (

    select
        orders.currency,
        orders.gmv_cents,
        daily.gmv_cents as daily_gmv_cents,
        take.gmv_cents as take_gmv_cents
    from orders
    left join daily on daily.currency = orders.currency
    left join take on take.currency = orders.currency
    where daily.gmv_cents is distinct from orders.gmv_cents
       or daily.n_orders is distinct from orders.n_orders
       or take.gmv_cents is distinct from orders.gmv_cents

)

select * from final
