"""Every experiment statistic (SPEC EXP-4), as pure functions of per-arm sufficient statistics.

SQL reduces each arm to `Moments` (n, Σy, Σy², and Σx, Σx², Σxy of the pre-exposure
covariate); everything here works from those, so the same maths serves Gold and per-user
files. Conventions (checked by tests against raw-array computations):

- relative lift = mean_variant / mean_control − 1; CIs are two-sided at `alpha`.
- Welch t-test (Welch–Satterthwaite df); relative-lift CI by the delta method with a normal
  quantile.
- CUPED: θ = Cov(Y, X) / Var(X) pooled over all users of both arms; Y' = Y − θ(X − X̄);
  relative lift = (Ȳ'_T − Ȳ'_C) / Ȳ_C (the *unadjusted* control mean); variance reduction =
  1 − Var(Δ') / Var(Δ).
- Beta-binomial with a Beta(1, 1) prior: P(variant beats control) exact (closed-form sum),
  credible interval of p_T / p_C − 1 by quadrature, expected loss E[max(p_C − p_T, 0)] exact.
- Sequential: normal-mixture SPRT (always-valid p-value and confidence sequence) on the
  relative lift, mixing scale τ = the design's MDE.
- SRM: chi-square against the design weights, alert at p < 0.001, beside the "> 2 pp" rule.

Edge cases (empty arm, one user, zero variance, zero control mean) never raise: results
carry a `status` other than "ok" and None where a number would be meaningless.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import optimize, special
from scipy import stats as sps

OK = "ok"
EMPTY_ARM = "empty_arm"  # an arm has no users
TOO_FEW = "too_few_users"  # an arm has one user: no variance estimate
ZERO_VARIANCE = "zero_variance"  # both arms constant: no test is possible
ZERO_CONTROL_MEAN = "zero_control_mean"  # relative lift undefined
NO_COVARIATE_VARIANCE = "no_covariate_variance"  # CUPED falls back to θ = 0
NOT_BINARY = "not_binary"  # beta-binomial needs 0/1 outcomes

SRM_ALERT_P = 0.001
SRM_ALERT_PP = 2.0

DECISIONS = ("ship", "no_effect_yet", "stop_guardrail", "invalid_srm")
GUARDRAIL_STATUSES = ("pass", "fail", "insufficient_data")


@dataclass(frozen=True)
class Moments:
    """One arm's sufficient statistics: y is the outcome, x the pre-exposure covariate."""

    n: int
    sum_y: float
    sum_y2: float
    sum_x: float = 0.0
    sum_x2: float = 0.0
    sum_xy: float = 0.0

    @classmethod
    def of(
        cls, y: Sequence[float] | np.ndarray, x: Sequence[float] | np.ndarray | None = None
    ) -> Moments:
        """Moments of raw per-user arrays (tests and small inputs)."""
        ya = np.asarray(y, dtype=float)
        xa = np.zeros_like(ya) if x is None else np.asarray(x, dtype=float)
        return cls(
            n=int(ya.size),
            sum_y=float(ya.sum()),
            sum_y2=float((ya * ya).sum()),
            sum_x=float(xa.sum()),
            sum_x2=float((xa * xa).sum()),
            sum_xy=float((xa * ya).sum()),
        )

    def __add__(self, other: Moments) -> Moments:
        return Moments(
            self.n + other.n,
            self.sum_y + other.sum_y,
            self.sum_y2 + other.sum_y2,
            self.sum_x + other.sum_x,
            self.sum_x2 + other.sum_x2,
            self.sum_xy + other.sum_xy,
        )

    @property
    def mean(self) -> float:
        return self.sum_y / self.n if self.n else math.nan

    @property
    def mean_x(self) -> float:
        return self.sum_x / self.n if self.n else math.nan

    def _centered(self, sab: float, sa: float, sb: float) -> float:
        """Sample (n − 1) co-moment; clipped at 0 only for variances' rounding noise."""
        if self.n < 2:
            return math.nan
        return (sab - sa * sb / self.n) / (self.n - 1)

    @property
    def var(self) -> float:
        return max(self._centered(self.sum_y2, self.sum_y, self.sum_y), 0.0)

    @property
    def var_x(self) -> float:
        return max(self._centered(self.sum_x2, self.sum_x, self.sum_x), 0.0)

    @property
    def cov_xy(self) -> float:
        return self._centered(self.sum_xy, self.sum_x, self.sum_y)


@dataclass(frozen=True)
class Comparison:
    """Variant vs control on one metric (Welch + delta-method relative lift)."""

    status: str
    n_control: int
    n_variant: int
    mean_control: float | None
    mean_variant: float | None
    abs_diff: float | None
    rel_lift: float | None
    rel_lift_ci: tuple[float, float] | None
    p_value: float | None
    rel_lift_se: float | None = None  # delta-method standard error, feeds the sequential test


@dataclass(frozen=True)
class Cuped:
    status: str
    theta: float | None
    abs_diff: float | None
    rel_lift: float | None
    rel_lift_ci: tuple[float, float] | None
    p_value: float | None
    variance_reduction: float | None


@dataclass(frozen=True)
class Bayes:
    status: str
    prob_beat_control: float | None
    rel_lift_cri: tuple[float, float] | None
    expected_loss: float | None  # E[max(p_C − p_T, 0)]: rate lost by shipping the variant


@dataclass(frozen=True)
class Sequential:
    rel_lift_ci: tuple[float, float] | None
    p_value: float | None


@dataclass(frozen=True)
class Srm:
    status: str
    counts: dict[str, int]
    p_value: float | None
    max_deviation_pp: float | None
    alert_chisq: bool
    alert_pp: bool


def _none(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _z(alpha: float) -> float:
    return float(sps.norm.ppf(1 - alpha / 2))


def _arm_status(control: Moments, variant: Moments) -> str:
    if control.n == 0 or variant.n == 0:
        return EMPTY_ARM
    if control.n < 2 or variant.n < 2:
        return TOO_FEW
    return OK


def _welch_p(diff: float, var_c: float, n_c: int, var_t: float, n_t: int) -> float:
    """Two-sided Welch p-value of a difference of means with the given per-user variances."""
    a, b = var_t / n_t, var_c / n_c
    se2 = a + b
    df = se2 * se2 / (a * a / (n_t - 1) + b * b / (n_c - 1))
    return float(2 * sps.t.sf(abs(diff) / math.sqrt(se2), df))


def compare(control: Moments, variant: Moments, alpha: float = 0.05) -> Comparison:
    """Welch's two-sided t-test and the delta-method CI of the relative lift."""
    status = _arm_status(control, variant)
    if status == EMPTY_ARM:
        return Comparison(
            status,
            control.n,
            variant.n,
            _none(control.mean),
            _none(variant.mean),
            None,
            None,
            None,
            None,
        )
    mc, mt = control.mean, variant.mean
    diff = mt - mc
    rel = mt / mc - 1 if mc != 0 else None
    base = Comparison(status, control.n, variant.n, mc, mt, diff, rel, None, None)
    if status != OK:
        return base
    vc, vt = control.var, variant.var
    if vc == 0 and vt == 0:
        return _replace(base, status=ZERO_VARIANCE)
    p = _welch_p(diff, vc, control.n, vt, variant.n)
    if rel is None:
        return _replace(base, status=ZERO_CONTROL_MEAN, p_value=p)
    # Var(m_T/m_C) ≈ Var(m_T)/m_C² + m_T² Var(m_C)/m_C⁴ (arms independent)
    se = math.sqrt(vt / variant.n / mc**2 + mt**2 * vc / control.n / mc**4)
    z = _z(alpha)
    return _replace(base, rel_lift_ci=(rel - z * se, rel + z * se), p_value=p, rel_lift_se=se)


def _replace(c: Comparison, **kw: Any) -> Comparison:
    return replace(c, **kw)


def cuped(control: Moments, variant: Moments, alpha: float = 0.05) -> Cuped:
    """CUPED with θ pooled over both arms; lift relative to the unadjusted control mean."""
    status = _arm_status(control, variant)
    if status != OK:
        return Cuped(status, None, None, None, None, None, None)
    pooled = control + variant
    theta = pooled.cov_xy / pooled.var_x if pooled.var_x > 0 else 0.0
    status = OK if pooled.var_x > 0 else NO_COVARIATE_VARIANCE

    def adj_var(m: Moments) -> float:  # sample variance of Y − θX within the arm
        return max(m.var - 2 * theta * m.cov_xy + theta**2 * m.var_x, 0.0)

    # Ȳ' = Ȳ − θ(X̄_arm − X̄_all); the X̄_all terms cancel in the difference
    diff = (variant.mean - theta * variant.mean_x) - (control.mean - theta * control.mean_x)
    vc, vt = adj_var(control), adj_var(variant)
    if vc == 0 and vt == 0:
        return Cuped(ZERO_VARIANCE, theta, diff, None, None, None, None)
    p = _welch_p(diff, vc, control.n, vt, variant.n)
    raw = variant.var / variant.n + control.var / control.n
    reduction = 1 - (vt / variant.n + vc / control.n) / raw if raw > 0 else None
    mc = control.mean
    if mc == 0:
        return Cuped(ZERO_CONTROL_MEAN, theta, diff, None, None, p, reduction)
    rel = diff / mc
    # delta method on (Ȳ'_T − Ȳ'_C) / Ȳ_C: gradient (1/m, −1/m, −Δ/m²); Ȳ'_C and Ȳ_C covary
    cov_c = control.var - theta * control.cov_xy  # Cov(Y', Y) in control
    var_rel = (
        vt / variant.n / mc**2
        + (vc / mc**2 + diff**2 * control.var / mc**4 + 2 * diff * cov_c / mc**3) / control.n
    )
    se = math.sqrt(max(var_rel, 0.0))
    z = _z(alpha)
    return Cuped(status, theta, diff, rel, (rel - z * se, rel + z * se), p, reduction)


# --- Bayesian beta-binomial -------------------------------------------------------------


def _p_b_beats_a(a1: int, b1: int, a2: int, b2: int) -> float:
    """Exact P(X2 > X1), X1 ~ Beta(a1, b1), X2 ~ Beta(a2, b2), integer parameters.

    Closed-form sum over a2 terms (E. Miller); symmetries (1 − P(X1 > X2), and 1 − X)
    let it run over the smallest of the four parameters.
    """

    def direct(a_a: int, b_a: int, a_b: int, b_b: int) -> float:
        i = np.arange(a_b, dtype=float)
        terms = (
            special.betaln(a_a + i, b_a + b_b)
            - np.log(b_b + i)
            - special.betaln(1 + i, b_b)
            - special.betaln(a_a, b_a)
        )
        return float(np.exp(terms).sum())

    smallest = min(a2, a1, b1, b2)
    if smallest == a2:
        p = direct(a1, b1, a2, b2)
    elif smallest == a1:
        p = 1 - direct(a2, b2, a1, b1)
    elif smallest == b1:  # X2 > X1 ⇔ 1 − X1 > 1 − X2, with 1 − X ~ Beta(b, a)
        p = direct(b2, a2, b1, a1)
    else:
        p = 1 - direct(b1, a1, b2, a2)
    return min(max(p, 0.0), 1.0)


@functools.cache
def _unit_nodes(n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes and weights on (0, 1)."""
    nodes, weights = special.roots_legendre(n)
    return (nodes + 1) / 2, weights / 2


def _ratio_cdf_fn(a_c: float, b_c: float, a_t: float, b_t: float) -> Callable[[float], float]:
    """s ↦ P(p_T / p_C ≤ s) by Gauss–Legendre over the narrower posterior's density.

    The nodes span that posterior between its 1e-15 and 1 − 1e-15 quantiles (two ppf
    calls, not one per node: ppf is slow for large parameters), weighted by its pdf and
    renormalised for the cut tails. The CDF is `special.betainc` (what `beta.cdf` calls,
    without its per-call argument checks, which cost more than the maths here)."""
    u, w = _unit_nodes()

    def nodes(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = sps.beta.ppf(1e-15, a, b), sps.beta.isf(1e-15, a, b)
        x = lo + (hi - lo) * u
        mass = w * (hi - lo) * sps.beta.pdf(x, a, b)
        return x, mass / mass.sum()

    if sps.beta.std(a_c, b_c) <= sps.beta.std(a_t, b_t):
        xc, mc = nodes(a_c, b_c)
        return lambda s: float(mc @ special.betainc(a_t, b_t, np.minimum(s * xc, 1.0)))
    xt, mt = nodes(a_t, b_t)
    return lambda s: float(1 - mt @ special.betainc(a_c, b_c, np.minimum(xt / s, 1.0)))


def beta_binomial(
    control: Moments, variant: Moments, alpha: float = 0.05, prior: tuple[int, int] = (1, 1)
) -> Bayes:
    """Posterior comparison of two conversion rates (outcomes must be 0/1)."""
    status = _arm_status(control, variant)
    if status == EMPTY_ARM:
        return Bayes(status, None, None, None)
    for m in (control, variant):
        if m.sum_y != m.sum_y2 or m.sum_y != round(m.sum_y) or not 0 <= m.sum_y <= m.n:
            return Bayes(NOT_BINARY, None, None, None)
    a0, b0 = prior
    a_c, b_c = a0 + round(control.sum_y), b0 + control.n - round(control.sum_y)
    a_t, b_t = a0 + round(variant.sum_y), b0 + variant.n - round(variant.sum_y)
    prob = _p_b_beats_a(a_c, b_c, a_t, b_t)
    # E[(p_C − p_T)+] = E[p_C 1{p_C > p_T}] − E[p_T 1{p_C > p_T}], and x·Beta(a,b) pdf =
    # a/(a+b)·Beta(a+1,b) pdf, so both terms are exact beat-probabilities.
    loss = a_c / (a_c + b_c) * _p_b_beats_a(a_t, b_t, a_c + 1, b_c) - a_t / (
        a_t + b_t
    ) * _p_b_beats_a(a_t + 1, b_t, a_c, b_c)
    cdf = _ratio_cdf_fn(a_c, b_c, a_t, b_t)

    # log(p_T / p_C) is close to normal: bracket the root a few sds around its centre
    centre = (a_t / (a_t + b_t)) / (a_c / (a_c + b_c))
    spread = math.sqrt(b_c / (a_c * (a_c + b_c + 1)) + b_t / (a_t * (a_t + b_t + 1)))

    def quantile(q: float) -> float:
        lo, hi = centre * math.exp(-10 * spread), centre * math.exp(10 * spread)
        while cdf(lo) > q and lo > 1e-9:
            lo /= 10
        while cdf(hi) < q and hi < 1e9:
            hi *= 10
        return float(optimize.brentq(lambda s: cdf(s) - q, lo, hi, xtol=1e-12, rtol=1e-12)) - 1

    cri = (quantile(alpha / 2), quantile(1 - alpha / 2))
    return Bayes(OK, prob, cri, max(loss, 0.0))


# --- Sequential (always valid) -----------------------------------------------------------


def sequential(estimate: float | None, se: float | None, alpha: float, tau: float) -> Sequential:
    """Normal-mixture SPRT: always-valid p-value and confidence sequence for an estimate.

    With V = se² and mixing N(0, τ²) over the effect, the likelihood ratio is
    Λ = √(V/(V+τ²)) · exp(τ²·est² / (2V(V+τ²))); p = min(1, 1/Λ), and the sequence is
    est ± √(V(V+τ²)/τ² · (2·ln(1/α) + ln((V+τ²)/V))). Valid under continuous monitoring.
    """
    if estimate is None or se is None or se <= 0 or tau <= 0:
        return Sequential(None, None)
    v, t2 = se * se, tau * tau
    log_lr = 0.5 * math.log(v / (v + t2)) + t2 * estimate**2 / (2 * v * (v + t2))
    p = 1.0 if log_lr <= 0 else min(1.0, math.exp(-log_lr))
    half = math.sqrt(v * (v + t2) / t2 * (2 * math.log(1 / alpha) + math.log((v + t2) / v)))
    return Sequential((estimate - half, estimate + half), p)


# --- Sample ratio mismatch ----------------------------------------------------------------


def srm(
    counts: Mapping[str, int],
    weights: Mapping[str, float],
    alert_p: float = SRM_ALERT_P,
    alert_pp: float = SRM_ALERT_PP,
) -> Srm:
    """Chi-square goodness of fit of the arm counts to the design weights, and the largest
    gap between an arm's observed and designed share in percentage points."""
    names = list(weights)
    obs = np.array([counts.get(n, 0) for n in names], dtype=float)
    total = obs.sum()
    clean = {n: int(counts.get(n, 0)) for n in names}
    if total == 0 or len(names) < 2:
        return Srm(EMPTY_ARM if total == 0 else OK, clean, None, None, False, False)
    w = np.array([weights[n] for n in names], dtype=float)
    share = w / w.sum()
    p = float(sps.chisquare(obs, total * share).pvalue)
    dev = float(np.max(np.abs(obs / total - share)) * 100)
    return Srm(OK, clean, p, dev, p < alert_p, dev > alert_pp)


# --- Multiple comparisons -----------------------------------------------------------------


def holm(p_values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Holm step-down adjusted p-values; None (no test) stays None and is not counted."""
    tested = sorted(((p, k) for k, p in p_values.items() if p is not None), key=lambda t: t[0])
    m = len(tested)
    out: dict[str, float | None] = {k: None for k in p_values}
    running = 0.0
    for i, (p, k) in enumerate(tested):
        running = max(running, min(1.0, (m - i) * p))
        out[k] = running
    return out


# --- Power and time to decision -----------------------------------------------------------


def sample_size_proportions(
    baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Users per arm to detect a relative lift `mde` on rate `baseline` (two-sided, normal
    approximation, pooled variance under H0):
    n = (z_{1−α/2}·√(2p̄q̄) + z_{power}·√(p₁q₁ + p₂q₂))² / (p₂ − p₁)²."""
    p1, p2 = baseline, baseline * (1 + mde)
    if not (0 < p1 < 1 and 0 < p2 < 1) or mde == 0:
        raise ValueError(
            f"baseline {baseline} with relative MDE {mde} gives rates {p1:g} → {p2:g}; both must "
            "lie strictly between 0 and 1 and differ."
        )
    pbar = (p1 + p2) / 2
    za, zb = _z(alpha), float(sps.norm.ppf(power))
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num * num / (p2 - p1) ** 2)


def sample_size_means(
    mean: float, sd: float, mde: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Users per arm to detect a relative lift `mde` on a mean with per-user sd `sd`:
    n = 2(z_{1−α/2} + z_{power})²σ² / (mde·mean)²."""
    delta = mde * mean
    if delta == 0 or not math.isfinite(sd):
        raise ValueError(
            f"a relative MDE {mde} on mean {mean} is no difference; both must be non-zero."
        )
    z = _z(alpha) + float(sps.norm.ppf(power))
    return math.ceil(2 * z * z * sd * sd / (delta * delta))


def mde_proportions(
    baseline: float, n_per_arm: int, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest relative lift `n_per_arm` users per arm detect (inverse of the sample size)."""
    hi = (1 / baseline - 1) * 0.999999
    if n_per_arm <= 0 or sample_size_proportions(baseline, hi, alpha, power) > n_per_arm:
        return math.inf
    f = lambda m: _continuous_n(baseline, m, alpha, power) - n_per_arm  # noqa: E731
    return float(optimize.brentq(f, 1e-9, hi))


def _continuous_n(baseline: float, mde: float, alpha: float, power: float) -> float:
    p1, p2 = baseline, baseline * (1 + mde)
    pbar = (p1 + p2) / 2
    num = _z(alpha) * math.sqrt(2 * pbar * (1 - pbar)) + float(sps.norm.ppf(power)) * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return num * num / (p2 - p1) ** 2


def days_to_decision(
    n_needed_per_arm: int | None, n_per_arm: Mapping[str, int], days_running: float
) -> float | None:
    """Days until every arm reaches `n_needed_per_arm` at each arm's traffic so far; 0 when
    reached; None when it cannot be estimated (no traffic or no sample-size target)."""
    if n_needed_per_arm is None or days_running <= 0 or not n_per_arm:
        return None
    worst = 0.0
    for n in n_per_arm.values():
        if n >= n_needed_per_arm:
            continue
        if n == 0:
            return None
        worst = max(worst, (n_needed_per_arm - n) / (n / days_running))
    return worst


# --- Guardrails and the decision -----------------------------------------------------------


def guardrail(comparison: Comparison, direction: str, threshold: float, alpha: float = 0.05) -> str:
    """`fail` when the metric moved in its harmful `direction` significantly (p < alpha) by
    more than `threshold` relative; `insufficient_data` when there is no test; else `pass`."""
    if comparison.p_value is None or comparison.rel_lift is None:
        return "insufficient_data"
    harm = comparison.rel_lift if direction == "increase" else -comparison.rel_lift
    return "fail" if comparison.p_value < alpha and harm > threshold else "pass"


def decide(
    srm_alert: bool,
    guardrails: Sequence[str],
    primary_lifts: Sequence[tuple[float | None, float | None]],
    alpha: float = 0.05,
) -> str:
    """One decision per experiment, in priority order: a broken split invalidates everything;
    a failed guardrail, or a primary metric significantly worse in any arm, stops it; a
    primary metric significantly better (Holm-adjusted p, in every non-control arm that
    has a test) ships it; anything else needs more data.

    `primary_lifts` holds (relative lift, Holm-adjusted p) per non-control arm.
    """
    if srm_alert:
        return "invalid_srm"
    if "fail" in guardrails:
        return "stop_guardrail"
    significant = [
        (r, p) for r, p in primary_lifts if r is not None and p is not None and p < alpha
    ]
    if any(r < 0 for r, _ in significant):
        return "stop_guardrail"
    if significant:
        return "ship"
    return "no_effect_yet"
