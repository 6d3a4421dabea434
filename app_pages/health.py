"""Pipeline health: open alerts, latest runs, lag and loss per hour (OBS-5)."""

from __future__ import annotations

import streamlit as st

from lakehouse.dashboard import cache, health

alerts = cache.cached(health.alerts)
latest_runs = cache.cached(health.latest_runs)
lag = cache.cached(health.lag)
loss = cache.cached(health.loss)

st.title("Pipeline health")
snap = cache.snapshot()
open_alerts = alerts(snap)
if open_alerts.empty:
    st.success("No open alerts.")
else:
    st.error(f"{len(open_alerts)} open alert(s)")
    st.dataframe(open_alerts, hide_index=True)
st.subheader("Latest run per stage")
st.dataframe(latest_runs(snap), hide_index=True)
st.subheader("p95 lag per arrival hour (minutes)")
st.line_chart(lag(snap), x="received_hour")
st.subheader("Delivered ÷ expected client events per hour")
st.line_chart(loss(snap), x="event_hour")
