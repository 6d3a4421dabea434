-- Nothing accepted is silently dropped: Gold has exactly the events Silver has.
with silver as (

    select count(*) as n_events from {{ ref('stg_silver__events') }}

),

gold as (

    select count(*) as n_events from {{ ref('fact_events') }}

),

final as (

    select
        silver.n_events as silver_events,
        gold.n_events as gold_events
    from silver
    cross join gold
    where silver.n_events <> gold.n_events

)

select * from final
