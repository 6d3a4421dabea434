"""`lakehouse experiments validate | analyze-file | size`: the analyst contract."""

from __future__ import annotations

import csv
import gzip
import math
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from click.testing import CliRunner
from scipy import stats as sps

from lakehouse.cli import main
from lakehouse.config import EXPERIMENTS_DIR

rng = np.random.default_rng(3)
N_C, N_T, N_B = 3000, 2900, 3050
START = np.datetime64("2026-10-01T00:00:00")


def _arm(name: str, n: int, p: float, mu: float) -> list[dict[str, Any]]:
    pre = rng.gamma(2.0, 10.0, n)
    metric = 0.7 * pre + rng.normal(mu, 8.0, n)
    conv = (rng.random(n) < p).astype(int)
    at = START + (rng.random(n) * 10 * 86400).astype("timedelta64[s]")
    return [
        {"user_id": f"{name}-{i}", "variant": name, "pre_metric": round(float(pre[i]), 6),
         "metric": round(float(metric[i]), 6), "converted": int(conv[i]),
         "assigned_at": str(at[i]).replace("T", " ")}
        for i in range(n)
    ]  # fmt: skip


ROWS = (
    _arm("control", N_C, 0.10, 20.0)
    + _arm("treatment", N_T, 0.12, 21.0)
    + _arm("b", N_B, 0.10, 20.0)
)


@pytest.fixture(scope="module")
def user_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("af") / "users.csv.gz"
    with gzip.open(path, "wt", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ROWS[0]))
        w.writeheader()
        w.writerows(ROWS)
    return path


def _run(*args: str) -> Any:
    res = CliRunner().invoke(main, list(args))
    assert res.exit_code == 0, res.output
    return orjson.loads(res.output)


def _col(variant: str, key: str) -> np.ndarray:
    return np.array([r[key] for r in ROWS if r["variant"] == variant], dtype=float)


def test_analyze_file_json_matches_independent_numbers(user_file: Path) -> None:
    out = _run(
        "experiments", "analyze-file", str(user_file), "--control", "control",
        "--weights", "control=1,treatment=1,b=1", "--format", "json",
    )  # fmt: skip
    assert set(out) == {"srm", "comparisons", "holm", "days_to_decision"}
    srm = out["srm"]
    assert srm["counts"] == {"control": N_C, "treatment": N_T, "b": N_B}
    assert srm["p_value"] == pytest.approx(sps.chisquare([N_C, N_T, N_B]).pvalue, abs=1e-5)
    assert srm["alert_chisq"] is False
    total = N_C + N_T + N_B
    assert srm["max_deviation_pp"] == pytest.approx(
        max(abs(n / total - 1 / 3) for n in (N_C, N_T, N_B)) * 100, abs=1e-5
    )

    t = out["comparisons"]["treatment"]
    for block, key in (("conversion", "converted"), ("metric", "metric")):
        yc, yt = _col("control", key), _col("treatment", key)
        b = t[block]
        assert b["n_control"] == N_C and b["n_variant"] == N_T
        assert b["mean_control"] == pytest.approx(yc.mean(), abs=1e-5)
        assert b["rel_lift"] == pytest.approx(yt.mean() / yc.mean() - 1, abs=1e-5)
        assert b["p_value"] == pytest.approx(
            sps.ttest_ind(yt, yc, equal_var=False).pvalue, abs=1e-5
        )
        assert b["rel_lift_ci"][0] < b["rel_lift"] < b["rel_lift_ci"][1]
        seq = b["sequential"]
        assert (
            seq["rel_lift_ci"][0] < b["rel_lift_ci"][0]
            and seq["rel_lift_ci"][1] > b["rel_lift_ci"][1]
        )
    assert set(t["conversion"]["bayes"]) >= {"prob_beat_control", "rel_lift_cri", "expected_loss"}
    assert "cuped" not in t["conversion"] and "bayes" not in t["metric"]

    cu = t["metric"]["cuped"]
    x = np.concatenate([_col("control", "pre_metric"), _col("treatment", "pre_metric")])
    y = np.concatenate([_col("control", "metric"), _col("treatment", "metric")])
    theta = np.cov(y, x)[0, 1] / x.var(ddof=1)
    assert cu["theta"] == pytest.approx(theta, abs=1e-5)
    adj = lambda v: _col(v, "metric") - theta * (_col(v, "pre_metric") - x.mean())  # noqa: E731
    assert cu["p_value"] == pytest.approx(
        sps.ttest_ind(adj("treatment"), adj("control"), equal_var=False).pvalue, abs=1e-5
    )
    assert cu["rel_lift"] == pytest.approx(
        (adj("treatment").mean() - adj("control").mean()) / _col("control", "metric").mean(),
        abs=1e-5,
    )
    assert cu["variance_reduction"] > 0.5

    # Holm over 2 arms × 2 metrics, from the four Welch p-values
    ps = {
        f"{v}.{m}": out["comparisons"][v][m]["p_value"]
        for v in ("treatment", "b")
        for m in ("conversion", "metric")
    }
    order = sorted(ps, key=ps.__getitem__)
    want, running = {}, 0.0
    for i, k in enumerate(order):
        running = max(running, min(1.0, (4 - i) * ps[k]))
        want[k] = running
    assert out["holm"] == pytest.approx(want)
    assert out["days_to_decision"] is not None and out["days_to_decision"] >= 0


def test_as_of_keeps_rows_assigned_before_it(user_file: Path) -> None:
    out = _run(
        "experiments",
        "analyze-file",
        str(user_file),
        "--control",
        "control",
        "--as-of",
        "2026-10-04T00:00:00",
    )
    cutoff = "2026-10-04 00:00:00"
    want = {
        v: sum(1 for r in ROWS if r["variant"] == v and r["assigned_at"] < cutoff)
        for v in ("control", "treatment", "b")
    }
    assert out["srm"]["counts"] == want
    # fewer users after 3 days than the 10% MDE needs: days left at the 3-day traffic
    needed = _run(
        "experiments",
        "size",
        "--baseline",
        str(out["comparisons"]["treatment"]["conversion"]["mean_control"]),
        "--mde",
        "0.10",
    )["n_per_arm"]
    slowest = max((needed - n) / (n / 3.0) for n in want.values())
    assert out["days_to_decision"] == pytest.approx(slowest, rel=1e-3)


def test_size_two_proportions() -> None:
    assert _run(
        "experiments", "size", "--baseline", "0.10", "--mde", "0.10", "--format", "json"
    ) == {"n_per_arm": 14751}
    got = _run(
        "experiments",
        "size",
        "--baseline",
        "0.05",
        "--mde",
        "0.2",
        "--alpha",
        "0.01",
        "--power",
        "0.9",
    )
    p1, p2 = 0.05, 0.06
    za, zb = sps.norm.ppf(0.995), sps.norm.ppf(0.9)
    n = (za * math.sqrt(2 * 0.055 * 0.945) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (
        p2 - p1
    ) ** 2
    assert got == {"n_per_arm": math.ceil(n)}


def test_validate_accepts_the_shipped_configs_and_names_file_field_and_fix(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["experiments", "validate"])
    assert res.exit_code == 0 and "3 experiment config(s) valid" in res.output
    bad = tmp_path / "checkout_cta_copy.yaml"
    bad.write_text(
        (EXPERIMENTS_DIR / "checkout_cta_copy.yaml")
        .read_text()
        .replace("status: running", "status: paused")
    )
    res = CliRunner().invoke(main, ["experiments", "validate", "--dir", str(tmp_path)])
    assert res.exit_code == 1
    assert (
        str(bad) in res.output
        and "`status`" in res.output
        and "use one of draft, running, stopped, killed" in res.output
    )
    bad.write_text(
        (EXPERIMENTS_DIR / "checkout_cta_copy.yaml")
        .read_text()
        .replace("metric: refund_rate", "metric: refunds")
    )
    res = CliRunner().invoke(main, ["experiments", "validate", "--dir", str(tmp_path)])
    assert "`guardrails[0].metric`" in res.output and "refund_rate" in res.output


def test_analyze_file_errors_name_the_input_and_the_fix(user_file: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main, ["experiments", "analyze-file", str(user_file), "--control", "ctrl"]
    )
    assert res.exit_code == 1 and "control variant 'ctrl' has no rows" in res.output
    res = CliRunner().invoke(
        main,
        [
            "experiments",
            "analyze-file",
            str(user_file),
            "--control",
            "control",
            "--weights",
            "control=1,treatment=1",
        ],
    )
    assert res.exit_code == 1 and "b are not in --weights" in res.output
    short = tmp_path / "short.csv"
    short.write_text("user_id,variant,metric\nu1,control,3\n")
    res = CliRunner().invoke(
        main, ["experiments", "analyze-file", str(short), "--control", "control"]
    )
    assert res.exit_code == 1 and "lacks column(s) pre_metric, converted, assigned_at" in res.output


def test_empty_arm_and_constant_metric_give_statuses_not_crashes(tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text(
        "user_id,variant,pre_metric,metric,converted,assigned_at\n"
        + "".join(f"u{i},control,0,1,0,2026-10-01 00:00:00\n" for i in range(5))
        + "".join(f"v{i},treatment,0,1,0,2026-10-02 00:00:00\n" for i in range(4))
    )
    out = _run(
        "experiments",
        "analyze-file",
        str(path),
        "--control",
        "control",
        "--weights",
        "control=1,treatment=1,ghost=1",
    )
    assert out["comparisons"]["ghost"]["metric"]["status"] == "empty_arm"
    assert out["comparisons"]["treatment"]["metric"]["status"] == "zero_variance"
    assert out["comparisons"]["treatment"]["conversion"]["bayes"]["status"] == "ok"
    assert out["holm"]["treatment.metric"] is None
