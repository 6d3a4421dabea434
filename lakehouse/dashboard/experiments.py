"""Experiments page queries over `fact_experiment_result` (EXP-5, written by
`lakehouse analyze`): the list with decision and SRM, and one experiment's detail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from lakehouse.dashboard.gold import has_table

TABLE = "fact_experiment_result"

# `stats.decide` outcomes as an exec reads them.
DECISIONS: dict[str, str] = {
    "ship": "Ship",
    "stop_guardrail": "Stop: harm",
    "invalid_srm": "Invalid: SRM",
    "no_effect_yet": "Keep running",
}


@dataclass(frozen=True)
class Experiment:
    """One experiment as analyzed: its split check and its decision."""

    exp_id: str
    primary_metric: str
    n_exposed: int
    decision: str
    srm_p_value: float | None
    srm_max_deviation_pp: float | None
    srm_alert_chisq: bool
    srm_alert_pp: bool
    n_needed_per_arm: int | None
    days_to_decision: float | None
    computed_at: datetime

    @property
    def status(self) -> str:
        return DECISIONS.get(self.decision, self.decision)

    @property
    def srm_badge(self) -> str:
        """`SRM alert` when chi-square flags the split (p < 0.001); `> 2 pp off` when only
        the seeds' 2-point rule does; `OK` otherwise."""
        if self.srm_alert_chisq:
            return "SRM alert"
        if self.srm_alert_pp:
            return "> 2 pp off"
        return "OK"

    @property
    def srm_color(self) -> str:
        return "red" if self.srm_alert_chisq else "orange" if self.srm_alert_pp else "green"


@dataclass(frozen=True)
class MetricResult:
    """One metric, one variant against control (control rows carry only n and mean)."""

    metric: str
    role: str  # primary | secondary | guardrail
    variant: str
    n: int
    control_mean: float | None
    mean: float | None
    status: str | None
    rel_lift: float | None
    ci_lo: float | None
    ci_hi: float | None
    p_value: float | None
    p_value_holm: float | None
    prob_beat_control: float | None
    cuped_rel_lift: float | None
    cuped_ci_lo: float | None
    cuped_ci_hi: float | None
    variance_reduction: float | None
    guardrail_status: str | None


def experiments(con: duckdb.DuckDBPyConnection) -> list[Experiment] | None:
    """Every analyzed experiment, alerts first then by id; None before `lakehouse analyze`."""
    if not has_table(con, TABLE):
        return None
    rows = con.execute(
        f"""
        select exp_id, any_value(metric), sum(n)::bigint, any_value(decision),
               any_value(srm_p_value), any_value(srm_max_deviation_pp),
               bool_or(srm_alert_chisq), bool_or(srm_alert_pp),
               any_value(n_needed_per_arm), any_value(days_to_decision), max(computed_at)
        from {TABLE} where metric_role = 'primary'
        group by exp_id order by bool_or(srm_alert_chisq) desc, exp_id
        """
    ).fetchall()
    return [
        Experiment(
            r[0], r[1], int(r[2]), r[3], r[4], r[5], bool(r[6]), bool(r[7]), r[8], r[9], r[10]
        )
        for r in rows
    ]


def arms(con: duckdb.DuckDBPyConnection, exp_id: str) -> list[tuple[str, int]]:
    """(variant, exposed identities) — the counts SRM is tested on, control first."""
    return con.execute(
        f"""
        select variant, n from {TABLE} where exp_id = ? and metric_role = 'primary'
        order by not is_control, variant
        """,
        [exp_id],
    ).fetchall()


def results(con: duckdb.DuckDBPyConnection, exp_id: str) -> list[MetricResult]:
    """Every non-control variant × metric, primary metric first, then secondary, guardrails."""
    rows = con.execute(
        f"""
        select r.metric, r.metric_role, r.variant, r.n, c.mean, r.mean, r.status, r.rel_lift,
               r.ci_lo, r.ci_hi, r.p_value, r.p_value_holm, r.prob_beat_control,
               r.cuped_rel_lift, r.cuped_ci_lo, r.cuped_ci_hi, r.variance_reduction,
               r.guardrail_status
        from {TABLE} r
        left join {TABLE} c on c.exp_id = r.exp_id and c.metric = r.metric and c.is_control
        where r.exp_id = ? and not r.is_control
        order by case r.metric_role when 'primary' then 0 when 'secondary' then 1 else 2 end,
                 r.metric, r.variant
        """,
        [exp_id],
    ).fetchall()
    return [MetricResult(*r) for r in rows]
