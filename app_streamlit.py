"""Lakehouse dashboards: routing only — each page lives in app_pages/."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Lakehouse", layout="wide")
pages = [
    st.Page("app_pages/kpis.py", title="KPIs", default=True),
    st.Page("app_pages/health.py", title="Pipeline health"),
]
st.navigation(pages).run()
