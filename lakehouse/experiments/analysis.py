"""Composes `stats` into reports: the analyze-file JSON and the `fact_experiment_result` rows.

No statistic is computed here (they all live in `stats`); this module only decides which
estimator runs on which metric and lays the results out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lakehouse.experiments import stats
from lakehouse.experiments.config import ExperimentConfig
from lakehouse.experiments.metrics import METRICS
from lakehouse.experiments.stats import Moments

DEFAULT_MDE = 0.10


def _pair(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [ci[0], ci[1]]


@dataclass(frozen=True)
class MetricResult:
    """Every estimator for one metric, one variant against control."""

    kind: str  # rate | mean
    comparison: stats.Comparison
    sequential: stats.Sequential
    cuped: stats.Cuped | None
    bayes: stats.Bayes | None

    def block(self) -> dict[str, Any]:
        """The analyze-file JSON block for this metric."""
        c = self.comparison
        out: dict[str, Any] = {
            "status": c.status,
            "n_control": c.n_control,
            "n_variant": c.n_variant,
            "mean_control": c.mean_control,
            "mean_variant": c.mean_variant,
            "abs_diff": c.abs_diff,
            "rel_lift": c.rel_lift,
            "rel_lift_ci": _pair(c.rel_lift_ci),
            "p_value": c.p_value,
            "sequential": {
                "rel_lift_ci": _pair(self.sequential.rel_lift_ci),
                "p_value": self.sequential.p_value,
            },
        }
        if self.bayes is not None:
            out["bayes"] = {
                "status": self.bayes.status,
                "prob_beat_control": self.bayes.prob_beat_control,
                "rel_lift_cri": _pair(self.bayes.rel_lift_cri),
                "expected_loss": self.bayes.expected_loss,
            }
        if self.cuped is not None:
            out["cuped"] = {
                "status": self.cuped.status,
                "theta": self.cuped.theta,
                "rel_lift": self.cuped.rel_lift,
                "rel_lift_ci": _pair(self.cuped.rel_lift_ci),
                "p_value": self.cuped.p_value,
                "variance_reduction": self.cuped.variance_reduction,
            }
        return out


def analyze_metric(
    control: Moments,
    variant: Moments,
    kind: str,
    alpha: float,
    mde: float,
    with_cuped: bool = True,
    with_bayes: bool | None = None,
) -> MetricResult:
    """Welch + delta method + sequential always; CUPED for means (and any metric with a
    covariate when asked); beta-binomial for rates."""
    comparison = stats.compare(control, variant, alpha)
    return MetricResult(
        kind=kind,
        comparison=comparison,
        sequential=stats.sequential(comparison.rel_lift, comparison.rel_lift_se, alpha, mde),
        cuped=stats.cuped(control, variant, alpha) if with_cuped else None,
        bayes=stats.beta_binomial(control, variant, alpha)
        if (kind == "rate" if with_bayes is None else with_bayes)
        else None,
    )


def needed_per_arm(control: Moments, kind: str, mde: float, alpha: float) -> int | None:
    """Sample size per arm for the control's baseline at relative `mde`; None when the
    baseline leaves nothing to detect (a rate of 0 or 1, a mean of 0)."""
    try:
        if kind == "rate":
            return stats.sample_size_proportions(control.mean, mde, alpha)
        return stats.sample_size_means(control.mean, math.sqrt(control.var), mde, alpha)
    except (ValueError, ZeroDivisionError):
        return None


def file_report(
    arms: Mapping[str, Mapping[str, Moments]],
    control: str,
    weights: Mapping[str, float],
    days_running: float,
    mde: float = DEFAULT_MDE,
    alpha: float = 0.05,
) -> dict[str, Any]:
    """The `experiments analyze-file` JSON: `arms` maps variant → {"conversion", "metric"}."""
    srm = stats.srm({v: m["conversion"].n for v, m in arms.items()}, weights)
    comparisons: dict[str, Any] = {}
    p_values: dict[str, float | None] = {}
    for variant, m in arms.items():
        if variant == control:
            continue
        conv = analyze_metric(
            arms[control]["conversion"], m["conversion"], "rate", alpha, mde, with_cuped=False
        )
        metric = analyze_metric(
            arms[control]["metric"], m["metric"], "mean", alpha, mde, with_bayes=False
        )
        comparisons[variant] = {"conversion": conv.block(), "metric": metric.block()}
        p_values[f"{variant}.conversion"] = conv.comparison.p_value
        p_values[f"{variant}.metric"] = metric.comparison.p_value
    needed = needed_per_arm(arms[control]["conversion"], "rate", mde, alpha)
    return {
        "srm": {
            "status": srm.status,
            "counts": srm.counts,
            "p_value": srm.p_value,
            "max_deviation_pp": srm.max_deviation_pp,
            "alert_chisq": srm.alert_chisq,
            "alert_pp": srm.alert_pp,
        },
        "comparisons": comparisons,
        "holm": stats.holm(p_values),
        "days_to_decision": stats.days_to_decision(
            needed, {v: m["conversion"].n for v, m in arms.items()}, days_running
        ),
    }


def result_rows(
    cfg: ExperimentConfig,
    moments: Mapping[str, Mapping[str, Moments]],
    days_running: float,
    computed_at: datetime,
    mde: float = DEFAULT_MDE,
) -> list[dict[str, Any]]:
    """`fact_experiment_result` rows (EXP-5) for one experiment: one per metric × variant
    (control rows carry n and mean only). `moments` maps metric → variant → Moments."""
    alpha, control = cfg.alpha, cfg.control
    variants = [v for v, _ in cfg.variants]
    empty = Moments(0, 0.0, 0.0)
    counts = {v: moments[cfg.primary_metric].get(v, empty).n for v in variants}
    srm = stats.srm(counts, cfg.weights)
    results: dict[tuple[str, str], MetricResult] = {}
    for metric in cfg.metrics:
        kind = METRICS[metric].kind
        c = moments[metric].get(control, empty)
        for v in variants[1:]:
            results[metric, v] = analyze_metric(c, moments[metric].get(v, empty), kind, alpha, mde)
    holm = stats.holm({f"{v}.{m}": r.comparison.p_value for (m, v), r in results.items()})
    role = {m: "secondary" for m in cfg.secondary_metrics}
    role.update({g.metric: "guardrail" for g in cfg.guardrails})
    role[cfg.primary_metric] = "primary"
    guard = {
        (g.metric, v): stats.guardrail(
            results[g.metric, v].comparison, g.direction, g.threshold, alpha
        )
        for g in cfg.guardrails
        for v in variants[1:]
    }
    decision = stats.decide(
        srm.alert_chisq,
        list(guard.values()),
        [
            (results[cfg.primary_metric, v].comparison.rel_lift, holm[f"{v}.{cfg.primary_metric}"])
            for v in variants[1:]
        ],
        alpha,
    )
    primary_kind = METRICS[cfg.primary_metric].kind
    needed = needed_per_arm(
        moments[cfg.primary_metric].get(control, empty), primary_kind, mde, alpha
    )
    days = stats.days_to_decision(needed, counts, days_running)
    common = {
        "exp_id": cfg.exp_id,
        "srm_p_value": srm.p_value,
        "srm_max_deviation_pp": srm.max_deviation_pp,
        "srm_alert_chisq": srm.alert_chisq,
        "srm_alert_pp": srm.alert_pp,
        "decision": decision,
        "n_needed_per_arm": needed,
        "days_to_decision": days,
        "computed_at": computed_at,
    }
    rows = []
    for metric in cfg.metrics:
        for v in variants:
            m = moments[metric].get(v, empty)
            row: dict[str, Any] = {
                **common,
                "metric": metric,
                "metric_role": role[metric],
                "variant": v,
                "is_control": v == control,
                "n": m.n,
                "mean": m.mean if m.n else None,
            }
            r = results.get((metric, v))
            row.update(_estimates(r, holm.get(f"{v}.{metric}")))
            row["guardrail_status"] = guard.get((metric, v))
            rows.append(row)
    return rows


RESULT_COLUMNS = (
    "status", "abs_lift", "rel_lift", "ci_lo", "ci_hi", "p_value", "p_value_holm",
    "cuped_theta", "cuped_rel_lift", "cuped_ci_lo", "cuped_ci_hi", "cuped_p_value",
    "variance_reduction", "prob_beat_control", "cri_lo", "cri_hi", "expected_loss",
    "seq_ci_lo", "seq_ci_hi", "seq_p_value",
)  # fmt: skip


def _estimates(r: MetricResult | None, p_holm: float | None) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    if r is None:
        return out
    c, s, cu, b = r.comparison, r.sequential, r.cuped, r.bayes
    ci = c.rel_lift_ci or (None, None)
    out.update(
        status=c.status,
        abs_lift=c.abs_diff,
        rel_lift=c.rel_lift,
        ci_lo=ci[0],
        ci_hi=ci[1],
        p_value=c.p_value,
        p_value_holm=p_holm,
        seq_ci_lo=(s.rel_lift_ci or (None, None))[0],
        seq_ci_hi=(s.rel_lift_ci or (None, None))[1],
        seq_p_value=s.p_value,
    )
    if cu is not None:
        cci = cu.rel_lift_ci or (None, None)
        out.update(
            cuped_theta=cu.theta,
            cuped_rel_lift=cu.rel_lift,
            cuped_ci_lo=cci[0],
            cuped_ci_hi=cci[1],
            cuped_p_value=cu.p_value,
            variance_reduction=cu.variance_reduction,
        )
    if b is not None:
        cri = b.rel_lift_cri or (None, None)
        out.update(
            prob_beat_control=b.prob_beat_control,
            cri_lo=cri[0],
            cri_hi=cri[1],
            expected_loss=b.expected_loss,
        )
    return out
