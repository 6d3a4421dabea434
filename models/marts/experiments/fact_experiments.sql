-- depends_on: {{ ref('int_events_sessionized') }}
-- depends_on: {{ ref('stg_silver__order_events') }}
-- depends_on: {{ ref('stg_silver__checkout_events') }}
-- depends_on: {{ ref('int_family_event_identities') }}
{{
    config(**upsert_config(
        ['exp_id', 'identity_id'],
        post_hook=["delete from {{ this }} where not exists (select 1 from {{ ref('dim_exposure') }} as exposed where exposed.exp_id = {{ this }}.exp_id and exposed.identity_id = {{ this }}.identity_id)"]
    ))
}}

-- EXP-3/4: one row per experiment × exposed identity with every metric of
-- lakehouse/experiments/metrics.py counted after first exposure (`<metric>`) and over the
-- 14 days before it (`pre_<metric>`, the CUPED covariate). `lakehouse analyze` reduces
-- these to per-variant sufficient statistics.
-- Incremental: every metric is one identity's, so a build recomputes the identities whose
-- events int_events_sessionized rewrote (new activity, a new exposure, a re-stitch: both
-- sides) and every identity with an event of a checkout or order that got new events (a
-- completion, a refund, a dispute, a late start); the post-hook drops rows whose exposure
-- dim_exposure no longer has.
{%- set pre_days = 14 %}
{%- set only_rebuilt = "identity_id in (select identity_id from rebuilt_identities)" if is_incremental() else "true" %}
with

{% if is_incremental() -%}
rebuilt_identities as (

    {{ identities_rewritten_since_built(ref('int_events_sessionized')) }}
    union
    -- every identity with an event of a checkout or order that got new events: the buyer
    -- now, and one a late, earlier event took the checkout or order from
    select family.identity_id
    from {{ ref('stg_silver__checkout_events') }} as checkout_events
    inner join {{ ref('int_family_event_identities') }} as family
        on family.event_id = checkout_events.event_id
    where checkout_events.checkout_id in (
            select changed.checkout_id from {{ ref('stg_silver__checkout_events') }} as changed
            where {{ rewritten_since_built('changed') }}
        )
        or checkout_events.order_id in (
            select changed.order_id from {{ ref('stg_silver__checkout_events') }} as changed
            where {{ rewritten_since_built('changed') }}
        )
        or checkout_events.order_id in (
            select changed.order_id from {{ ref('stg_silver__order_events') }} as changed
            where {{ rewritten_since_built('changed') }}
        )

),
{%- endif %}

exposures as (

    select * from {{ ref('dim_exposure') }}
    where {{ only_rebuilt }}

),

checkouts as (

    select identity_id, completed_at as at, amount_cents
    from {{ ref('fact_checkouts') }}
    where is_completed and {{ only_rebuilt }}

),

orders as (

    select
        identity_id,
        ordered_at as at,
        case when is_refunded then 1 else 0 end as refunded,
        case when dispute_opened_at is not null then 1 else 0 end as disputed
    from {{ ref('fact_orders') }}
    where {{ only_rebuilt }}

),

messages as (

    select identity_id, sent_at as at from {{ ref('fact_messages') }}
    where {{ only_rebuilt }}

),

searches as (

    select identity_id, event_at as at from {{ ref('fact_search') }}
    where event_name = 'search.query' and {{ only_rebuilt }}

),

views as (

    select identity_id, viewed_at as at from {{ ref('fact_views') }}
    where {{ only_rebuilt }}

),

{#- after: strictly after first exposure; before: the pre_days days before it -#}
{%- set after = "src.at > x.first_exposed_at" %}
{%- set before = "src.at >= x.first_exposed_at - interval '" ~ pre_days ~ "' day and src.at < x.first_exposed_at" %}

checkout_metrics as (

    select
        x.exp_id,
        x.identity_id,
        sum(case when {{ after }} then 1 else 0 end) as n_orders,
        sum(case when {{ after }} then src.amount_cents else 0 end) as gmv_cents,
        sum(case when {{ before }} then 1 else 0 end) as pre_n_orders,
        sum(case when {{ before }} then src.amount_cents else 0 end) as pre_gmv_cents
    from exposures as x
    inner join checkouts as src on src.identity_id = x.identity_id
    group by x.exp_id, x.identity_id

),

order_metrics as (

    select
        x.exp_id,
        x.identity_id,
        max(case when {{ after }} then src.refunded else 0 end) as refunded,
        max(case when {{ after }} then src.disputed else 0 end) as disputed,
        max(case when {{ before }} then src.refunded else 0 end) as pre_refunded,
        max(case when {{ before }} then src.disputed else 0 end) as pre_disputed
    from exposures as x
    inner join orders as src on src.identity_id = x.identity_id
    group by x.exp_id, x.identity_id

),

{%- for name, source in [('messaged', 'messages'), ('searched', 'searches'), ('viewed_profile', 'views')] %}

{{ name }}_metrics as (

    select
        x.exp_id,
        x.identity_id,
        max(case when {{ after }} then 1 else 0 end) as {{ name }},
        max(case when {{ before }} then 1 else 0 end) as pre_{{ name }}
    from exposures as x
    inner join {{ source }} as src on src.identity_id = x.identity_id
    group by x.exp_id, x.identity_id

),
{%- endfor %}

final as (

    select
        x.exp_id,
        x.identity_id,
        x.variant,
        x.first_exposed_at,
        x.first_exposed_dt,
        case when coalesce(c.n_orders, 0) > 0 then 1 else 0 end as converted,
        case when coalesce(c.pre_n_orders, 0) > 0 then 1 else 0 end as pre_converted,
        coalesce(c.n_orders, 0) as n_orders,
        coalesce(c.pre_n_orders, 0) as pre_n_orders,
        coalesce(c.gmv_cents, 0) as gmv_cents,
        coalesce(c.pre_gmv_cents, 0) as pre_gmv_cents,
        coalesce(o.refunded, 0) as refunded,
        coalesce(o.pre_refunded, 0) as pre_refunded,
        coalesce(o.disputed, 0) as disputed,
        coalesce(o.pre_disputed, 0) as pre_disputed,
        coalesce(m.messaged, 0) as messaged,
        coalesce(m.pre_messaged, 0) as pre_messaged,
        coalesce(s.searched, 0) as searched,
        coalesce(s.pre_searched, 0) as pre_searched,
        coalesce(v.viewed_profile, 0) as viewed_profile,
        coalesce(v.pre_viewed_profile, 0) as pre_viewed_profile,
        {{ gold_built_at() }} as gold_built_at
    from exposures as x
    left join checkout_metrics as c on c.exp_id = x.exp_id and c.identity_id = x.identity_id
    left join order_metrics as o on o.exp_id = x.exp_id and o.identity_id = x.identity_id
    left join messaged_metrics as m on m.exp_id = x.exp_id and m.identity_id = x.identity_id
    left join searched_metrics as s on s.exp_id = x.exp_id and s.identity_id = x.identity_id
    left join viewed_profile_metrics as v on v.exp_id = x.exp_id and v.identity_id = x.identity_id

)

select * from final
