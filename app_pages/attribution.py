"""Attribution: channel mix over time, click proof, credit models compared, ROAS."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lakehouse.dashboard import attribution, cache
from lakehouse.dashboard.fmt import pct

data_range = cache.cached(attribution.data_range)
summary = cache.cached(attribution.summary)
channel_mix = cache.cached(attribution.channel_mix)
click_proof_by_channel = cache.cached(attribution.click_proof_by_channel)
model_comparison = cache.cached(attribution.model_comparison)
roas_by_channel = cache.cached(attribution.roas_by_channel)

st.title("Attribution")
snap = cache.snapshot()
span = data_range(snap)
if span is None:
    st.info("Gold has no orders yet: run `lakehouse refine` and `lakehouse build`.")
    st.stop()
period = st.date_input("Order days", value=span, min_value=span[0], max_value=span[1])
if not isinstance(period, tuple) or len(period) != 2:
    st.info("Pick the last day of the period.")
    st.stop()
start, end = period
s = summary(snap, start, end)
m = st.columns(4)
m[0].metric("Orders", f"{s.orders:,}")
m[1].metric(
    "Attributed to a channel",
    pct(s.attributed_share),
    help="Orders with a qualifying touch in the 7-day lookback",
)
m[2].metric(
    "Click-proof share",
    pct(s.click_proof_share),
    help="Attributed orders whose winning touch carried a click token",
)
m[3].metric(
    "ROAS (paid campaigns)",
    "–" if s.roas is None else f"{s.roas:.2f}×",
    help="Last-non-direct revenue ÷ spend, EUR",
)

st.subheader("Channel mix (last-non-direct, orders per day)")
mix = pd.DataFrame(channel_mix(snap, start, end), columns=["day", "channel", "orders"])
st.altair_chart(
    alt.Chart(mix)
    .mark_bar()
    .encode(
        x=alt.X("yearmonthdate(day):O", title=None),
        y="orders:Q",
        color="channel:N",
        tooltip=["day:T", "channel", "orders"],
    ),
    width="stretch",
)
left, right = st.columns(2)
left.subheader("Click proof by channel")
proof = pd.DataFrame(
    click_proof_by_channel(snap, start, end), columns=["channel", "orders", "with click proof"]
)
proof["share"] = [
    pct(w / n) for w, n in zip(proof["with click proof"], proof["orders"], strict=True)
]
left.dataframe(proof, hide_index=True, width="stretch")
right.subheader("ROAS by channel (paid campaigns)")
roas = pd.DataFrame(
    roas_by_channel(snap, start, end),
    columns=["channel", "orders", "revenue_eur_cents", "spend_eur_cents", "roas"],
)
right.dataframe(
    pd.DataFrame(
        {
            "channel": roas.channel,
            "orders": roas.orders,
            "revenue EUR": roas.revenue_eur_cents / 100,
            "spend EUR": roas.spend_eur_cents / 100,
            "ROAS": roas.roas.round(2),
        }
    ),
    hide_index=True,
    width="stretch",
)

st.subheader("Last-non-direct vs multi-touch (orders credited per channel)")
credits = pd.DataFrame(model_comparison(snap, start, end), columns=["channel", "model", "orders"])
wide = (
    credits.pivot(index="channel", columns="model", values="orders")
    .reindex(columns=list(attribution.MODELS))
    .fillna(0.0)
    .rename_axis(columns=None)
)
st.altair_chart(
    alt.Chart(credits)
    .mark_bar()
    .encode(
        x=alt.X("channel:N", title=None),
        xOffset=alt.XOffset("model:N", sort=list(attribution.MODELS)),
        y="orders:Q",
        color=alt.Color("model:N", sort=list(attribution.MODELS)),
        tooltip=["channel", "model", "orders"],
    ),
    width="stretch",
)
st.dataframe(wide.round(2).reset_index(), hide_index=True, width="stretch")
