{#- A carrier of folded data tests: the single-table tests of models, seeds and sources
    that declare `column_checks`, as one query, which an incremental `lakehouse build` of
    an unchanged project runs instead of a node per test (macros/tests/column_checks.sql;
    lakehouse/transform/checks.py gives each declaration to the carrier with the fewest
    dependencies among those depending on all its tests read, so dbt runs the tests after
    it). This one depends on everything, and takes what column_checks_core cannot. A
    failing row names the test and how many rows it found, and `lakehouse build` reports
    it under the test's own name; anything else checks nothing. -#}
-- depends_on: {{ ref('dim_campaign') }}
-- depends_on: {{ ref('dim_channel') }}
-- depends_on: {{ ref('dim_city') }}
-- depends_on: {{ ref('dim_exposure') }}
-- depends_on: {{ ref('dim_identity') }}
-- depends_on: {{ ref('dim_profile') }}
-- depends_on: {{ ref('dim_studio') }}
-- depends_on: {{ ref('fact_attribution_checkout') }}
-- depends_on: {{ ref('fact_attribution_credit_first_touch') }}
-- depends_on: {{ ref('fact_attribution_credit_last_non_direct') }}
-- depends_on: {{ ref('fact_attribution_credit_linear') }}
-- depends_on: {{ ref('fact_attribution_credit_position_based') }}
-- depends_on: {{ ref('fact_attribution_invalid_touches') }}
-- depends_on: {{ ref('fact_attribution_referral') }}
-- depends_on: {{ ref('fact_checkouts') }}
-- depends_on: {{ ref('fact_disputes') }}
-- depends_on: {{ ref('fact_events') }}
-- depends_on: {{ ref('fact_experiments') }}
-- depends_on: {{ ref('fact_growth_mail') }}
-- depends_on: {{ ref('fact_messages') }}
-- depends_on: {{ ref('fact_orders') }}
-- depends_on: {{ ref('fact_payouts') }}
-- depends_on: {{ ref('fact_referrals') }}
-- depends_on: {{ ref('fact_refunds') }}
-- depends_on: {{ ref('fact_search') }}
-- depends_on: {{ ref('fact_sessions') }}
-- depends_on: {{ ref('fact_views') }}
-- depends_on: {{ ref('int_anon_ids_linked') }}
-- depends_on: {{ ref('int_anon_user_pairs') }}
-- depends_on: {{ ref('int_attribution_conversions') }}
-- depends_on: {{ ref('int_attribution_paths') }}
-- depends_on: {{ ref('int_attribution_touches') }}
-- depends_on: {{ ref('int_events_sessionized') }}
-- depends_on: {{ ref('int_exposure_events') }}
-- depends_on: {{ ref('int_family_event_identities') }}
-- depends_on: {{ ref('kpi_conversion_funnel') }}
-- depends_on: {{ ref('kpi_disputes') }}
-- depends_on: {{ ref('kpi_gmv_daily') }}
-- depends_on: {{ ref('kpi_promo_ctr') }}
-- depends_on: {{ ref('kpi_refunds') }}
-- depends_on: {{ ref('kpi_roas') }}
-- depends_on: {{ ref('kpi_take_rate') }}
-- depends_on: {{ ref('nrt_dlq_hourly') }}
-- depends_on: {{ ref('nrt_lag_hourly') }}
-- depends_on: {{ ref('nrt_status') }}
-- depends_on: {{ ref('nrt_volume_hourly') }}
-- depends_on: {{ ref('ops_alerts') }}
-- depends_on: {{ ref('ops_dlq_hourly') }}
-- depends_on: {{ ref('ops_lag_hourly') }}
-- depends_on: {{ ref('ops_loss_hourly') }}
-- depends_on: {{ ref('ops_metric_deltas') }}
-- depends_on: {{ ref('ops_run_log') }}
-- depends_on: {{ ref('ops_schema_drift') }}
-- depends_on: {{ ref('ops_volume_hourly') }}
-- depends_on: {{ ref('stg_ops__bronze_files') }}
-- depends_on: {{ ref('stg_ops__dead_letters') }}
-- depends_on: {{ ref('stg_ops__runs') }}
-- depends_on: {{ ref('stg_ops__unknown_fields') }}
-- depends_on: {{ ref('stg_silver__account_events') }}
-- depends_on: {{ ref('stg_silver__checkout_events') }}
-- depends_on: {{ ref('stg_silver__events') }}
-- depends_on: {{ ref('stg_silver__experiment_events') }}
-- depends_on: {{ ref('stg_silver__growth_events') }}
-- depends_on: {{ ref('stg_silver__messages') }}
-- depends_on: {{ ref('stg_silver__order_events') }}
-- depends_on: {{ ref('stg_silver__profile_views') }}
-- depends_on: {{ ref('stg_silver__promo_events') }}
-- depends_on: {{ ref('stg_silver__referral_events') }}
-- depends_on: {{ ref('stg_silver__search_events') }}
-- depends_on: {{ ref('campaign_spend') }}
-- depends_on: {{ ref('campaigns') }}
-- depends_on: {{ ref('channel_mapping') }}
-- depends_on: {{ ref('cities') }}
-- depends_on: {{ ref('fx_rates') }}
-- depends_on: {{ ref('profiles') }}
-- depends_on: {{ ref('studios') }}
-- depends_on: {{ source('ops', 'bronze_files') }}
-- depends_on: {{ source('ops', 'dead_letters') }}
-- depends_on: {{ source('ops', 'runs') }}
-- depends_on: {{ source('ops', 'unknown_fields') }}
-- depends_on: {{ source('silver', 'events') }}

{{ column_checks_carrier() }}
