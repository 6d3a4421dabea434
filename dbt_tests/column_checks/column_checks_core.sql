{#- The single-table data tests of the staging models, the identity and sessionization
    models, core marts, seeds and sources, as one query: a carrier of folded tests like
    column_checks_all (see there), which checks.py gives each model whose tests read only
    what this depends on. It runs once the core marts are built, beside the models after
    them, instead of at the end of the build. -#}
-- depends_on: {{ ref('dim_campaign') }}
-- depends_on: {{ ref('dim_channel') }}
-- depends_on: {{ ref('dim_city') }}
-- depends_on: {{ ref('dim_identity') }}
-- depends_on: {{ ref('dim_profile') }}
-- depends_on: {{ ref('dim_studio') }}
-- depends_on: {{ ref('fact_checkouts') }}
-- depends_on: {{ ref('fact_disputes') }}
-- depends_on: {{ ref('fact_events') }}
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
-- depends_on: {{ ref('int_events_sessionized') }}
-- depends_on: {{ ref('int_exposure_events') }}
-- depends_on: {{ ref('int_family_event_identities') }}
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
