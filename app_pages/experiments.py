"""Experiments: the list with decision and SRM badge → one experiment's detail."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from lakehouse.dashboard import cache, experiments
from lakehouse.dashboard.fmt import pct

list_experiments = cache.cached(experiments.experiments)
arms = cache.cached(experiments.arms)
results = cache.cached(experiments.results)


def _days(days: float | None) -> str:
    if days is None:
        return "–"
    return "ready" if days == 0 else f"{days:,.0f} days"


def _lift(lift: float | None) -> str:
    return "–" if lift is None else f"{lift:+.1%}"


def _ci(lo: float | None, hi: float | None) -> str:
    return "–" if lo is None or hi is None else f"[{lo:+.1%}, {hi:+.1%}]"


st.title("Experiments")
snap = cache.snapshot()
exps = list_experiments(snap)
if not exps:
    st.info("No experiment results in Gold yet: run `lakehouse analyze` after `lakehouse build`.")
    st.stop()
listing = pd.DataFrame(
    {
        "experiment": [e.exp_id for e in exps],
        "status": [e.status for e in exps],
        "SRM": [e.srm_badge for e in exps],
        "exposed": [e.n_exposed for e in exps],
        "primary metric": [e.primary_metric for e in exps],
        "days to decision": [_days(e.days_to_decision) for e in exps],
    }
)
colors = {e.srm_badge: e.srm_color for e in exps}
st.dataframe(
    listing.style.map(
        lambda v: f"color: {colors.get(v, 'inherit')}; font-weight: bold", subset=["SRM"]
    ),
    hide_index=True,
    width="stretch",
)
exp = st.selectbox("Experiment", exps, format_func=lambda e: f"{e.exp_id} — {e.status}")
assert exp is not None
st.header(exp.exp_id)
st.badge(f"SRM: {exp.srm_badge}", color=exp.srm_color)  # type: ignore[arg-type]
m = st.columns(4)
m[0].metric("Decision", exp.status)
m[1].metric("Exposed identities", f"{exp.n_exposed:,}")
m[2].metric(
    "SRM",
    exp.srm_badge,
    f"p = {exp.srm_p_value:.4f}" if exp.srm_p_value is not None else None,
    delta_color="off",
    delta_arrow="off",
    help="Chi-square against the design weights; alert at p < 0.001",
)
m[3].metric(
    "Days to decision",
    _days(exp.days_to_decision),
    help="At current traffic, until every arm has "
    + ("?" if exp.n_needed_per_arm is None else f"{exp.n_needed_per_arm:,}")
    + " identities (the sample size for the MDE `lakehouse analyze` used, default 10%)",
)
split = pd.DataFrame(arms(snap, exp.exp_id), columns=["variant", "exposed"])
split["share"] = [pct(n / split.exposed.sum()) for n in split.exposed]
st.caption(
    "Split: "
    + ", ".join(f"{v} {n:,} ({s})" for v, n, s in split.itertuples(index=False))
    + (
        f"; largest deviation from design {exp.srm_max_deviation_pp:.1f} pp"
        if exp.srm_max_deviation_pp is not None
        else ""
    )
)

rows = results(snap, exp.exp_id)
st.subheader("Relative lift with 95% CI")
points = pd.DataFrame(
    [(f"{r.metric} · {r.variant}", "Welch", r.rel_lift, r.ci_lo, r.ci_hi) for r in rows]
    + [
        (f"{r.metric} · {r.variant}", "CUPED", r.cuped_rel_lift, r.cuped_ci_lo, r.cuped_ci_hi)
        for r in rows
        if r.cuped_rel_lift is not None
    ],
    columns=["metric", "estimate", "lift", "lo", "hi"],
).dropna()
order = list(dict.fromkeys(points.metric))
base = alt.Chart(points).encode(
    y=alt.Y("metric:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)),
    yOffset="estimate:N",
    color="estimate:N",
)
chart = (
    base.mark_rule().encode(
        x=alt.X("lo:Q", axis=alt.Axis(format="%"), title="relative lift"), x2="hi:Q"
    )
    + base.mark_point(filled=True, size=60).encode(
        x="lift:Q",
        tooltip=[
            "metric",
            "estimate",
            alt.Tooltip("lift:Q", format="+.1%"),
            alt.Tooltip("lo:Q", format="+.1%"),
            alt.Tooltip("hi:Q", format="+.1%"),
        ],
    )
    + alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
)
st.altair_chart(chart, width="stretch")
st.dataframe(
    pd.DataFrame(
        {
            "metric": [r.metric for r in rows],
            "role": [r.role for r in rows],
            "variant": [r.variant for r in rows],
            "control mean": [r.control_mean for r in rows],
            "variant mean": [r.mean for r in rows],
            "lift": [_lift(r.rel_lift) for r in rows],
            "95% CI": [_ci(r.ci_lo, r.ci_hi) for r in rows],
            "p (Holm)": [r.p_value_holm for r in rows],
            "P(beat control)": [pct(r.prob_beat_control) for r in rows],
            "CUPED lift": [_lift(r.cuped_rel_lift) for r in rows],
            "CUPED variance reduction": [pct(r.variance_reduction) for r in rows],
            "status": [r.status for r in rows],
        }
    ),
    hide_index=True,
    width="stretch",
)
guards = [r for r in rows if r.role == "guardrail"]
st.subheader("Guardrails")
if not guards:
    st.write("This experiment has no guardrails.")
for r in guards:
    color = {"pass": "green", "fail": "red"}.get(r.guardrail_status or "", "gray")
    st.markdown(
        f":{color}-badge[{r.guardrail_status}] **{r.metric}** ({r.variant}): "
        f"lift {_lift(r.rel_lift)} {_ci(r.ci_lo, r.ci_hi)}"
    )
