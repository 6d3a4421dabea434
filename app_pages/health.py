"""Pipeline health: open alerts, latest runs, lag and loss per hour (OBS-5)."""

from __future__ import annotations

import duckdb
import streamlit as st

from lakehouse.config import load_settings
from lakehouse.dashboard import gold, health


@st.cache_resource
def _con() -> duckdb.DuckDBPyConnection:
    return gold.connect(load_settings())


st.title("Pipeline health")
con = _con().cursor()
open_alerts = health.alerts(con)
if open_alerts.empty:
    st.success("No open alerts.")
else:
    st.error(f"{len(open_alerts)} open alert(s)")
    st.dataframe(open_alerts, hide_index=True)
st.subheader("Latest run per stage")
st.dataframe(health.latest_runs(con), hide_index=True)
st.subheader("p95 lag per arrival hour (minutes)")
st.line_chart(health.lag(con), x="received_hour")
st.subheader("Delivered ÷ expected client events per hour")
st.line_chart(health.loss(con), x="event_hour")
