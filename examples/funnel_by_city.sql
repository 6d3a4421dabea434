-- Conversion funnel by city, in SQL over Gold (kpi_conversion_funnel, FUN-1).
-- Each step counts sessions that reached it in order; rates are ratios of sums.
-- Run it on any lake (here the demo lake):
--   LAKEHOUSE_HOME=.lakehouse .venv/bin/lakehouse shell --format csv -c "$(cat examples/funnel_by_city.sql)"
select
    city_name,
    sum(n_sessions) as sessions,
    sum(n_reached_search) as searched,
    sum(n_reached_view) as viewed,
    sum(n_reached_message) as messaged,
    sum(n_reached_checkout_start) as checkout_started,
    sum(n_reached_checkout_complete) as ordered,
    round(sum(n_reached_view) / nullif(sum(n_reached_search), 0), 4) as search_to_view,
    round(sum(n_reached_checkout_complete) / sum(n_sessions), 4) as session_conversion
from kpi_conversion_funnel
group by city_name
order by sessions desc, city_name
