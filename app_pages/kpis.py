"""KPIs with deltas against the previous period of the same length."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd
import streamlit as st

from lakehouse.config import load_settings
from lakehouse.dashboard import gold, kpis


@st.cache_resource
def _con() -> duckdb.DuckDBPyConnection:
    return gold.connect(load_settings())


@st.cache_data(ttl=60)
def _headline(start: date, end: date, currency: str) -> kpis.Headline:
    return kpis.headline(_con().cursor(), start, end, currency)


def _delta(now: float | None, before: float | None) -> str | None:
    if now is None or not before:
        return None
    return f"{(now / before - 1) * 100:+.1f}%"


st.title("Marketplace KPIs")
con = _con().cursor()
span = kpis.data_range(con)
if span is None:
    st.info("Gold has no orders yet: run `lakehouse refine` and `lakehouse build`.")
    st.stop()
lo, hi = span
c1, c2 = st.columns([3, 1])
start, end = c1.date_input(
    "Period", value=(max(lo, hi - timedelta(days=6)), hi), min_value=lo, max_value=hi
)  # type: ignore[misc]
currency = c2.selectbox("Currency", kpis.currencies(con))
cur = _headline(start, end, currency)
prev = _headline(*kpis.previous_period(start, end), currency)
m = st.columns(5)
m[0].metric("GMV", f"{cur.gmv_cents / 100:,.0f} {currency}", _delta(cur.gmv_cents, prev.gmv_cents))
m[1].metric("Orders", f"{cur.orders:,}", _delta(cur.orders, prev.orders))
m[2].metric("Take rate", f"{cur.take_rate:.1%}" if cur.take_rate is not None else "–",
            _delta(cur.take_rate, prev.take_rate))  # fmt: skip
m[3].metric("Sessions", f"{cur.sessions:,}", _delta(cur.sessions, prev.sessions))
m[4].metric("Session → order", f"{cur.conversion:.2%}" if cur.conversion is not None else "–",
            _delta(cur.conversion, prev.conversion))  # fmt: skip
rows = kpis.gmv_by_day(con, start, end, currency)
frame = pd.DataFrame(rows, columns=["day", "orders", "gmv_cents"]).assign(
    gmv=lambda d: d.gmv_cents / 100
)
st.subheader(f"GMV per day ({currency})")
st.bar_chart(frame, x="day", y="gmv")
