"""Generator → load → refine → build → `lakehouse analyze`: planted effects come back out.

One generated lake (the project's one generator, as in tests/dbt/test_e2e.py). To give the
tests power at a size CI can afford, the experiments' targeting is widened to every buyer,
seller and visitor on the busy search surface, and the planted SRM drop is raised from 8%
to 30% of treatment identities; the effects themselves are the simulator's.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from lakehouse.cli import main
from lakehouse.config import EXPERIMENTS_DIR, Settings, load_settings
from lakehouse.experiments import stats
from lakehouse.ingest.loader import load_files
from lakehouse.silver.refine import refine
from lakehouse.simulate import exposure, generate, load_truth, truth_path
from lakehouse.transform.query import run_query
from lakehouse.transform.runner import build

pytestmark = pytest.mark.e2e

EVENTS = 40_000
SEED = 5


@pytest.fixture(scope="module")
def lake(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Settings, dict[str, Any], Path]:
    base = tmp_path_factory.mktemp("exp")
    configs = base / "experiments"
    shutil.copytree(EXPERIMENTS_DIR, configs)
    for path in configs.glob("*.yaml"):
        cfg = yaml.safe_load(path.read_text())
        cfg["surface"] = "search"
        cfg["targeting"] = {"audience": "all", "roles": ["buyer", "seller", "visitor"]}
        path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    plants = {**exposure.PLANTS, "home_feed_layout": exposure.Plant(srm_drop_rate=0.30)}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(exposure, "PLANTS", plants)
        out = base / "events.ndjson"
        generate(EVENTS, SEED, out, start=date(2026, 10, 1), days=14, experiments_dir=configs)
    settings = load_settings(base / "lake").ensure()
    load_files(settings, [out])
    refine(settings)
    build(settings, full_refresh=True)
    res = CliRunner().invoke(main, ["--home", str(settings.home), "analyze", "--dir", str(configs)])
    assert res.exit_code == 0, res.output
    return settings, load_truth(truth_path(out)), configs


def _result(settings: Settings, exp_id: str, metric: str = "checkout_conversion") -> dict[str, Any]:
    rows = run_query(
        settings,
        f"select * from fact_experiment_result where exp_id = '{exp_id}' and metric = '{metric}' "
        "and variant = 'treatment'",
    ).records()
    assert len(rows) == 1
    return rows[0]


def test_exposures_and_conversions_match_the_truth(
    lake: tuple[Settings, dict[str, Any], Path],
) -> None:
    settings, truth, _ = lake
    for exp_id, t in truth["experiments"].items():
        got = dict(
            run_query(
                settings,
                f"select variant, count(*) from dim_exposure where exp_id = '{exp_id}' group by 1",
            ).rows
        )
        assert got == {k: v for k, v in t["exposures_by_variant"].items() if v}
        conv = dict(
            run_query(
                settings,
                "select variant, sum(converted) from fact_experiments "
                f"where exp_id = '{exp_id}' group by 1",
            ).rows
        )
        assert conv == {k: t["conversions_by_variant"][k] for k in got}


def test_checkout_cta_copy_lift_interval_covers_the_planted_ten_percent(
    lake: tuple[Settings, dict[str, Any], Path],
) -> None:
    settings, truth, _ = lake
    assert truth["experiments"]["checkout_cta_copy"]["planted_relative_lift"] == 0.10
    r = _result(settings, "checkout_cta_copy")
    assert r["ci_lo"] < 0.10 < r["ci_hi"]
    assert r["cri_lo"] < 0.10 < r["cri_hi"]
    assert r["cuped_ci_lo"] < 0.10 < r["cuped_ci_hi"]
    assert not r["srm_alert_chisq"]


def test_the_aa_test_shows_no_effect(lake: tuple[Settings, dict[str, Any], Path]) -> None:
    settings, _, _ = lake
    rows = run_query(
        settings,
        "select metric, p_value, ci_lo, ci_hi, decision, srm_alert_chisq from fact_experiment_result "
        "where exp_id = 'search_ranking_aa' and variant = 'treatment'",
    ).records()
    assert rows
    for r in rows:
        assert r["p_value"] > 0.05 and r["ci_lo"] < 0 < r["ci_hi"], r
        assert r["decision"] == "no_effect_yet" and not r["srm_alert_chisq"]


def test_the_planted_srm_is_flagged_and_invalidates_the_experiment(
    lake: tuple[Settings, dict[str, Any], Path],
) -> None:
    settings, _, _ = lake
    r = _result(settings, "home_feed_layout")
    assert r["srm_p_value"] < stats.SRM_ALERT_P and r["srm_alert_chisq"] and r["srm_alert_pp"]
    assert r["decision"] == "invalid_srm"


def test_generator_assignments_pass_a_sample_ratio_test(
    lake: tuple[Settings, dict[str, Any], Path],
) -> None:
    """Assignment itself is balanced (every identity that rendered); only logged exposures
    of home_feed_layout are short, which is the planted bug."""
    _, truth, _ = lake
    for exp_id, t in truth["experiments"].items():
        assigned = stats.srm(t["expected_exposures_by_variant"], t["design_weights"])
        assert assigned.p_value is not None and assigned.p_value > 0.01, (exp_id, assigned)
        logged = stats.srm(t["exposures_by_variant"], t["design_weights"])
        assert logged.alert_chisq == t["srm_planted"], (exp_id, logged)


def test_result_table_has_every_experiment_metric_and_variant(
    lake: tuple[Settings, dict[str, Any], Path],
) -> None:
    settings, _, configs = lake
    from lakehouse.experiments.config import load_all

    want = {(c.exp_id, m, v) for c in load_all(configs) for m in c.metrics for v, _ in c.variants}
    got = run_query(settings, "select exp_id, metric, variant from fact_experiment_result").rows
    assert sorted(got) == sorted(want)
    # CUPED with the pre-period metric never makes the estimate noisier
    vr = run_query(
        settings,
        "select min(variance_reduction) from fact_experiment_result where variance_reduction is not null",
    ).rows[0][0]
    assert vr > -0.01
