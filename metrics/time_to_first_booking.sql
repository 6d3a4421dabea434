-- metric: time_to_first_booking
-- title: Time to first booking
-- definition: For buyers whose first order ever falls in the window, the mean time in
--   hours from the buyer identity's first event (dim_identity.first_seen_at) to that
--   first order. Profiles carry no creation time in Gold, so this is the buyer side.
-- numerator: sum over those buyers of hours from first_seen_at to their first ordered_at
-- denominator: buyers whose first order is in the window
-- grain: one row for the window; buyers by the order_dt of their first order
-- owner: marketplace analytics
with params as (

    select date '1970-01-01' as start_dt, date '9999-12-31' as end_dt

),

first_orders as (

    select identity_id, min(ordered_at) as first_ordered_at
    from fact_orders
    group by 1

),

buyers as (

    select
        first_orders.identity_id,
        (to_unixtime(first_orders.first_ordered_at) - to_unixtime(dim_identity.first_seen_at))
            / 3600.0 as hours_to_first_booking
    from first_orders
    inner join dim_identity on dim_identity.identity_id = first_orders.identity_id
    cross join params
    where cast(first_orders.first_ordered_at as date) between params.start_dt and params.end_dt

)

select
    sum(hours_to_first_booking) as numerator,
    count(*) as denominator,
    cast(sum(hours_to_first_booking) as double) / nullif(count(*), 0) as value
from buyers
