"""Lakehouse dashboards: routing only — each page lives in app_pages/.

A new page is one file under app_pages/ (queries in lakehouse/dashboard/) and one line here.
"""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Lakehouse", layout="wide")
pages = [
    st.Page("app_pages/kpis.py", title="KPIs", icon=":material/monitoring:", default=True),
    st.Page("app_pages/funnel.py", title="Funnel", icon=":material/filter_alt:"),
    st.Page("app_pages/attribution.py", title="Attribution", icon=":material/campaign:"),
    st.Page("app_pages/experiments.py", title="Experiments", icon=":material/science:"),
    st.Page("app_pages/health.py", title="Pipeline health", icon=":material/monitor_heart:"),
]
st.navigation(pages).run()
