"""Funnel: FUN-1 step conversion for a date range, cities, platforms and channels."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lakehouse.dashboard import cache, funnel
from lakehouse.dashboard.fmt import pct

options = cache.cached(funnel.options)
steps = cache.cached(funnel.steps)
daily_conversion = cache.cached(funnel.daily_conversion)

st.title("Conversion funnel")
snap = cache.snapshot()
opts = options(snap)
if opts is None:
    st.info("Gold has no sessions yet: run `lakehouse refine` and `lakehouse build`.")
    st.stop()
c = st.columns([2, 2, 1, 2])
period = c[0].date_input(
    "Session days",
    value=(opts.first_day, opts.last_day),
    min_value=opts.first_day,
    max_value=opts.last_day,
)
if not isinstance(period, tuple) or len(period) != 2:
    st.info("Pick the last day of the period.")
    st.stop()
filters = funnel.Filters(
    start=period[0],
    end=period[1],
    cities=tuple(c[1].multiselect("City", opts.cities, placeholder="All cities")),
    platforms=tuple(c[2].multiselect("Platform", opts.platforms, placeholder="All")),
    channels=tuple(c[3].multiselect("Channel", opts.channels, placeholder="All channels")),
)
rows = steps(snap, filters)
m = st.columns(len(rows))
for col, step in zip(m, rows, strict=True):
    col.metric(
        step.name,
        f"{step.sessions:,}",
        pct(step.from_previous) if step.from_previous is not None else None,
        delta_color="off",
        delta_arrow="off",
        help="Below: conversion from the step before",
    )
frame = pd.DataFrame(
    {
        "step": [s.name for s in rows],
        "sessions": [s.sessions for s in rows],
        "step conversion": [pct(s.from_previous) for s in rows],
        "of sessions": [pct(s.from_first, 2) for s in rows],
    }
)
chart = (
    alt.Chart(frame)
    .mark_bar()
    .encode(
        x=alt.X("sessions:Q", title="sessions"),
        y=alt.Y("step:N", sort=[s.name for s in rows], title=None),  # funnel order, not A–Z
        tooltip=list(frame.columns),
    )
)
st.altair_chart(chart, width="stretch")
st.dataframe(frame, hide_index=True, width="stretch")
st.subheader("Session → order by day")
daily = pd.DataFrame(daily_conversion(snap, filters), columns=["day", "sessions", "conversion"])
st.altair_chart(
    alt.Chart(daily)
    .mark_line(point=True)
    .encode(
        x=alt.X("day:T", title=None),
        y=alt.Y("conversion:Q", axis=alt.Axis(format="%")),
        tooltip=["day:T", "sessions", alt.Tooltip("conversion:Q", format=".2%")],
    ),
    width="stretch",
)
