"""Each estimator in lakehouse.experiments.stats against an independent computation.

The references below work from raw per-user arrays (numpy / scipy, or quadrature for the
Bayesian quantities), never from the sufficient statistics the module uses.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from lakehouse.experiments import stats
from lakehouse.experiments.stats import Moments

rng = np.random.default_rng(7)
# A metric with a pre-period covariate (CUPED); the variant has a +5% lift.
X_C = rng.gamma(2.0, 50.0, 4000)
X_T = rng.gamma(2.0, 50.0, 3800)
Y_C = 0.8 * X_C + rng.normal(100, 40, X_C.size)
Y_T = 0.8 * X_T + rng.normal(105, 40, X_T.size)
C, T = Moments.of(Y_C, X_C), Moments.of(Y_T, X_T)
Z = sps.norm.ppf(0.975)


def test_welch_matches_scipy_and_the_delta_method() -> None:
    r = stats.compare(C, T)
    ref = sps.ttest_ind(Y_T, Y_C, equal_var=False)
    assert r.status == "ok"
    assert r.p_value == pytest.approx(ref.pvalue, abs=1e-5)
    mc, mt = Y_C.mean(), Y_T.mean()
    assert r.rel_lift == pytest.approx(mt / mc - 1, abs=1e-5)
    assert r.abs_diff == pytest.approx(mt - mc, abs=1e-5)
    # delta method: Var(mt/mc) ≈ s²_T/(n_T mc²) + mt² s²_C/(n_C mc⁴)
    se = math.sqrt(Y_T.var(ddof=1) / Y_T.size / mc**2 + mt**2 * Y_C.var(ddof=1) / Y_C.size / mc**4)
    assert r.rel_lift_ci == pytest.approx((mt / mc - 1 - Z * se, mt / mc - 1 + Z * se), abs=1e-5)


def test_cuped_pools_theta_and_divides_by_the_unadjusted_control_mean() -> None:
    r = stats.cuped(C, T)
    x_all, y_all = np.concatenate([X_C, X_T]), np.concatenate([Y_C, Y_T])
    theta = np.cov(y_all, x_all)[0, 1] / x_all.var(ddof=1)
    yc_adj = Y_C - theta * (X_C - x_all.mean())
    yt_adj = Y_T - theta * (X_T - x_all.mean())
    assert r.theta == pytest.approx(theta, abs=1e-5)
    assert r.p_value == pytest.approx(
        sps.ttest_ind(yt_adj, yc_adj, equal_var=False).pvalue, abs=1e-5
    )
    diff = yt_adj.mean() - yc_adj.mean()
    mc = Y_C.mean()
    assert r.rel_lift == pytest.approx(diff / mc, abs=1e-5)
    # delta method on (Ȳ'_T − Ȳ'_C)/Ȳ_C with Cov(Ȳ'_C, Ȳ_C) from the control arrays
    cov_c = np.cov(yc_adj, Y_C)[0, 1]
    var = (
        yt_adj.var(ddof=1) / Y_T.size / mc**2
        + (
            yc_adj.var(ddof=1) / mc**2
            + diff**2 * Y_C.var(ddof=1) / mc**4
            + 2 * diff * cov_c / mc**3
        )
        / Y_C.size
    )
    lo, hi = diff / mc - Z * math.sqrt(var), diff / mc + Z * math.sqrt(var)
    assert r.rel_lift_ci == pytest.approx((lo, hi), abs=1e-5)
    raw = Y_T.var(ddof=1) / Y_T.size + Y_C.var(ddof=1) / Y_C.size
    adj = yt_adj.var(ddof=1) / Y_T.size + yc_adj.var(ddof=1) / Y_C.size
    assert r.variance_reduction == pytest.approx(1 - adj / raw, abs=1e-5)
    assert r.variance_reduction > 0.5  # the covariate explains most of the variance here
    assert r.rel_lift_ci[1] - r.rel_lift_ci[0] < (  # type: ignore[index]
        stats.compare(C, T).rel_lift_ci[1] - stats.compare(C, T).rel_lift_ci[0]  # type: ignore[index]
    )


RATE_CASES = [(1000, 10000, 1100, 10000), (30, 400, 45, 380), (5, 60, 0, 55), (2, 7, 6, 9)]


@pytest.mark.parametrize(("s_c", "n_c", "s_t", "n_t"), RATE_CASES)
def test_beta_binomial_against_quadrature(s_c: int, n_c: int, s_t: int, n_t: int) -> None:
    y_c = np.r_[np.ones(s_c), np.zeros(n_c - s_c)]
    y_t = np.r_[np.ones(s_t), np.zeros(n_t - s_t)]
    r = stats.beta_binomial(Moments.of(y_c), Moments.of(y_t))
    pc = sps.beta(1 + y_c.sum(), 1 + y_c.size - y_c.sum())
    pt = sps.beta(1 + y_t.sum(), 1 + y_t.size - y_t.sum())
    lo, hi = min(pc.ppf(1e-12), pt.ppf(1e-12)), max(pc.ppf(1 - 1e-12), pt.ppf(1 - 1e-12))
    pts = [pc.mean(), pt.mean()]

    def quad(f: object) -> float:
        return integrate.quad(f, lo, hi, points=pts, limit=500, epsabs=1e-11)[0]  # type: ignore[arg-type]

    assert r.status == "ok"
    # P(p_T > p_C) = ∫ f_C(x) (1 − F_T(x)) dx
    assert r.prob_beat_control == pytest.approx(quad(lambda x: pc.pdf(x) * pt.sf(x)), abs=1e-5)
    # E[max(p_C − p_T, 0)] = ∫ f_T(y) ∫_y (x − y) f_C(x) dx dy
    a, b = pc.args
    inner = lambda y: a / (a + b) * sps.beta.sf(y, a + 1, b) - y * pc.sf(y)  # noqa: E731
    assert r.expected_loss == pytest.approx(quad(lambda y: pt.pdf(y) * inner(y)), abs=1e-5)
    # the credible bounds are the 2.5% and 97.5% points of P(p_T/p_C − 1 ≤ r)
    ratio_cdf = lambda q: quad(lambda x: pc.pdf(x) * pt.cdf((1 + q) * x))  # noqa: E731
    assert r.rel_lift_cri is not None
    assert ratio_cdf(r.rel_lift_cri[0]) == pytest.approx(0.025, abs=1e-5)
    assert ratio_cdf(r.rel_lift_cri[1]) == pytest.approx(0.975, abs=1e-5)


def test_beta_binomial_matches_monte_carlo_roughly() -> None:
    r = stats.beta_binomial(Moments(10000, 1000, 1000), Moments(10000, 1100, 1100))
    draws = np.random.default_rng(1)
    pc, pt = draws.beta(1001, 9001, 400_000), draws.beta(1101, 8901, 400_000)
    assert r.prob_beat_control == pytest.approx((pt > pc).mean(), abs=2e-3)
    assert r.rel_lift_cri == pytest.approx(
        tuple(np.quantile(pt / pc - 1, [0.025, 0.975])), abs=3e-3
    )


def test_srm_is_a_chi_square_against_design_weights() -> None:
    r = stats.srm({"control": 5120, "treatment": 4710}, {"control": 50, "treatment": 50})
    ref = sps.chisquare([5120, 4710], [9830 / 2, 9830 / 2])
    assert r.p_value == pytest.approx(ref.pvalue, abs=1e-5)
    assert r.max_deviation_pp == pytest.approx((5120 / 9830 - 0.5) * 100, abs=1e-5)
    assert r.alert_chisq and r.alert_pp  # p ≈ 3.5e-5, 2.09 pp
    even = stats.srm({"a": 1000, "b": 2000, "c": 1000}, {"a": 0.25, "b": 0.5, "c": 0.25})
    assert even.p_value == pytest.approx(1.0) and not even.alert_chisq and not even.alert_pp
    # 2.5 pp off at n = 400 breaks the pp rule but not the chi-square one
    small = stats.srm({"control": 210, "treatment": 190}, {"control": 1, "treatment": 1})
    assert small.alert_pp and not small.alert_chisq


def test_sequential_interval_is_wider_than_fixed_and_matches_the_formula() -> None:
    est, se, tau = 0.05, 0.02, 0.10
    r = stats.sequential(est, se, 0.05, tau)
    v, t2 = se**2, tau**2
    lam = math.sqrt(v / (v + t2)) * math.exp(t2 * est**2 / (2 * v * (v + t2)))
    assert r.p_value == pytest.approx(min(1, 1 / lam), abs=1e-5)
    assert r.rel_lift_ci is not None
    # at the sequence's edge, testing "lift = edge" gives a likelihood ratio of exactly 1/α
    edge = r.rel_lift_ci[1] - est
    lam_edge = math.sqrt(v / (v + t2)) * math.exp(t2 * edge**2 / (2 * v * (v + t2)))
    assert lam_edge == pytest.approx(20.0, rel=1e-6)
    assert r.rel_lift_ci[0] < est - Z * se and r.rel_lift_ci[1] > est + Z * se
    assert stats.sequential(None, None, 0.05, tau) == stats.Sequential(None, None)


def test_holm_step_down() -> None:
    # hand computation: sorted 0.01, 0.02, 0.03, 0.2 × (4, 3, 2, 1), made monotone
    got = stats.holm({"a": 0.03, "b": 0.01, "c": 0.2, "d": 0.02, "e": None})
    assert got == pytest.approx({"a": 0.06, "b": 0.04, "c": 0.2, "d": 0.06, "e": None})
    assert stats.holm({"x": 0.6, "y": 0.5}) == {"x": 1.0, "y": 1.0}


def test_sample_size_two_proportions() -> None:
    p1, p2 = 0.10, 0.11
    pbar = (p1 + p2) / 2
    n = (
        Z * math.sqrt(2 * pbar * (1 - pbar))
        + sps.norm.ppf(0.8) * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    ) ** 2 / (p2 - p1) ** 2
    assert stats.sample_size_proportions(0.10, 0.10) == math.ceil(n) == 14751
    assert stats.mde_proportions(0.10, 14751) == pytest.approx(0.10, abs=1e-4)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        stats.sample_size_proportions(0.6, 1.0)
    # means: 2(z_a + z_b)²σ²/δ²
    z = Z + sps.norm.ppf(0.8)
    assert stats.sample_size_means(100, 50, 0.05) == math.ceil(2 * z * z * 50**2 / 5**2)


def test_days_to_decision_at_current_traffic() -> None:
    # 14751 needed; the smaller arm has 3000 after 6 days (500/day) → 23.5 days left
    assert stats.days_to_decision(14751, {"c": 3100, "t": 3000}, 6.0) == pytest.approx(23.502)
    assert stats.days_to_decision(100, {"c": 300, "t": 200}, 6.0) == 0.0
    assert stats.days_to_decision(100, {"c": 0, "t": 20}, 6.0) is None
    assert stats.days_to_decision(None, {"c": 1}, 6.0) is None


def test_edge_cases_return_statuses_not_errors() -> None:
    empty = Moments(0, 0.0, 0.0)
    one = Moments.of([3.0])
    const = Moments.of([1.0] * 5)
    assert stats.compare(empty, C).status == "empty_arm"
    assert stats.compare(one, C).status == "too_few_users"
    r = stats.compare(const, Moments.of([1.0] * 7))
    assert (r.status, r.p_value, r.rel_lift) == ("zero_variance", None, 0.0)
    zero = stats.compare(Moments.of([0.0] * 5), Moments.of([0, 1, 0, 1.0]))
    assert zero.status == "zero_control_mean" and zero.rel_lift is None and zero.p_value is not None
    assert stats.cuped(empty, C).status == "empty_arm"
    no_x = stats.cuped(Moments.of(Y_C[:50]), Moments.of(Y_T[:50]))
    assert no_x.status == "no_covariate_variance" and no_x.theta == 0.0
    assert stats.beta_binomial(empty, C).status == "empty_arm"
    assert stats.beta_binomial(C, T).status == "not_binary"
    assert stats.srm({}, {"a": 1, "b": 1}).status == "empty_arm"
    assert stats.guardrail(stats.compare(empty, C), "increase", 0.1) == "insufficient_data"


def test_guardrail_and_decision_rules() -> None:
    harm = stats.compare(Moments.of([0] * 900 + [1] * 100), Moments.of([0] * 850 + [1] * 150))
    assert stats.guardrail(harm, "increase", 0.10) == "fail"  # +50%, p ≈ 0.0007
    assert stats.guardrail(harm, "increase", 0.60) == "pass"  # within tolerance
    assert stats.guardrail(harm, "decrease", 0.10) == "pass"
    assert stats.decide(True, ["fail"], [(0.1, 0.001)]) == "invalid_srm"
    assert stats.decide(False, ["pass", "fail"], [(0.1, 0.001)]) == "stop_guardrail"
    assert stats.decide(False, ["pass"], [(-0.1, 0.001)]) == "stop_guardrail"
    assert stats.decide(False, ["pass"], [(0.1, 0.001), (0.02, 0.4)]) == "ship"
    assert stats.decide(False, [], [(0.1, 0.2)]) == "no_effect_yet"
