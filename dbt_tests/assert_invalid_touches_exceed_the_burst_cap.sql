-- ATT-3: a touch is discarded only from a burst of more than the cap on its device or its
-- identity. A singular test because the cap is a var (see assert_sessions_within_max_hours).
{%- set max_touches = var('lakehouse__attribution_fraud_max_touches') %}
select touch_event_id, device_burst_touches, identity_burst_touches
from {{ ref('fact_attribution_invalid_touches') }}
where not (device_burst_touches > {{ max_touches }} or identity_burst_touches > {{ max_touches }})
