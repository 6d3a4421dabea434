"""Pipeline health: open alerts, today in near-real time, latest runs, lag and loss per hour
(OBS-5, LAKE-4)."""

from __future__ import annotations

import streamlit as st

from lakehouse.dashboard import cache, health

alerts = cache.cached(health.alerts)
latest_runs = cache.cached(health.latest_runs)
lag = cache.cached(health.lag)
loss = cache.cached(health.loss)
nrt_status = cache.cached(health.nrt_status)
nrt_volume = cache.cached(health.nrt_volume)
nrt_lag = cache.cached(health.nrt_lag)
nrt_dead_letters = cache.cached(health.nrt_dead_letters)

st.title("Pipeline health")
snap = cache.snapshot()
open_alerts = alerts(snap)
if open_alerts.empty:
    st.success("No open alerts.")
else:
    st.error(f"{len(open_alerts)} open alert(s)")
    st.dataframe(open_alerts, hide_index=True)

st.subheader("Today (near-real-time)")
status = nrt_status(snap)
if status.empty:
    st.info("This Gold has no near-real-time views yet: run `lakehouse refresh --nrt`.")
else:
    today = status.iloc[0]
    day = f"{today.event_dt:%Y-%m-%d}"
    st.caption(
        f"{day} (UTC), last refreshed {today.refreshed_at:%Y-%m-%d %H:%M} UTC "
        "(`lakehouse refresh --nrt` or a build)"
    )
    if today.n_events == 0 and today.n_dead_letters == 0:
        st.info(f"No events or dead letters for {day} yet.")
    else:
        events_col, dead_col = st.columns(2)
        events_col.metric("Events in Silver today", f"{today.n_events:,}")
        dead_col.metric("Dead letters today", f"{today.n_dead_letters:,}")
        st.caption("Events per hour by type")
        st.bar_chart(nrt_volume(snap), x="event_hour", y="n_events", color="event_name")
        st.caption("p95 ingest → Silver lag per arrival hour (minutes) against the budget")
        st.line_chart(nrt_lag(snap), x="received_hour")
        st.caption("Dead letters today by reason")
        st.dataframe(nrt_dead_letters(snap), hide_index=True)

st.subheader("Latest run per stage")
st.dataframe(latest_runs(snap), hide_index=True)
st.subheader("p95 lag per arrival hour (minutes)")
st.line_chart(lag(snap), x="received_hour")
st.subheader("Delivered ÷ expected client events per hour")
st.line_chart(loss(snap), x="event_hour")
