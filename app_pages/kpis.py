"""KPIs with deltas against the previous period of the same length."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from lakehouse.dashboard import cache, kpis
from lakehouse.dashboard.fmt import money, pct, pp_delta, rel_delta

headline = cache.cached(kpis.headline)
data_range = cache.cached(kpis.data_range)
currencies = cache.cached(kpis.currencies)
gmv_by_day = cache.cached(kpis.gmv_by_day)

st.title("Marketplace KPIs")
snap = cache.snapshot()
span = data_range(snap)
if span is None:
    st.info("Gold has no orders yet: run `lakehouse refine` and `lakehouse build`.")
    st.stop()
lo, hi = span
c1, c2 = st.columns([3, 1])
period = c1.date_input(
    "Period", value=(max(lo, hi - timedelta(days=6)), hi), min_value=lo, max_value=hi
)
if not isinstance(period, tuple) or len(period) != 2:
    st.info("Pick the last day of the period.")
    st.stop()
start, end = period
currency = c2.selectbox("Currency", currencies(snap))
cur = headline(snap, start, end, currency)
prev_start, prev_end = kpis.previous_period(start, end)
prev = headline(snap, prev_start, prev_end, currency)
st.caption(
    f"Deltas against {prev_start} – {prev_end}. Orders, GMV and rates in {currency}; sessions in all currencies."
)
m = st.columns(4)
m[0].metric("GMV", money(cur.gmv_cents, currency), rel_delta(cur.gmv_cents, prev.gmv_cents))
m[1].metric("Orders", f"{cur.orders:,}", rel_delta(cur.orders, prev.orders))
m[2].metric("Take rate", pct(cur.take_rate), pp_delta(cur.take_rate, prev.take_rate))
m[3].metric("Sessions", f"{cur.sessions:,}", rel_delta(cur.sessions, prev.sessions))
m = st.columns(4)
m[0].metric("Session → order", pct(cur.conversion, 2), pp_delta(cur.conversion, prev.conversion))
m[1].metric(
    "Refund rate",
    pct(cur.refund_rate),
    pp_delta(cur.refund_rate, prev.refund_rate),
    delta_color="inverse",
)
m[2].metric(
    "Dispute rate",
    pct(cur.dispute_rate),
    pp_delta(cur.dispute_rate, prev.dispute_rate),
    delta_color="inverse",
)
frame = pd.DataFrame(gmv_by_day(snap, start, end, currency), columns=["day", "orders", "gmv_cents"])
st.subheader(f"GMV per day ({currency})")
if frame.empty:
    st.caption(f"No {currency} orders in this period.")
else:
    st.altair_chart(
        alt.Chart(frame.assign(gmv=frame.gmv_cents / 100))
        .mark_bar()
        .encode(
            x=alt.X("yearmonthdate(day):O", title=None),
            y=alt.Y("gmv:Q", title=f"GMV ({currency})"),
            tooltip=[alt.Tooltip("day:T"), "orders", alt.Tooltip("gmv:Q", format=",.0f")],
        ),
        width="stretch",
    )
