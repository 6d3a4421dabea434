"""The experiments page lists what `lakehouse analyze` wrote to fact_experiment_result and
shows one experiment's numbers exactly as the table holds them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from streamlit.testing.v1 import AppTest

from lakehouse.config import Settings
from lakehouse.dashboard.experiments import Experiment
from tests.dbt.conftest import Query

Open = Callable[[str, Settings], AppTest]


@pytest.fixture
def page(open_page: Open, generated_lake: Settings) -> AppTest:
    return open_page("experiments", generated_lake)


def _lift(x: float | None) -> str:
    return "–" if x is None else f"{x:+.1%}"


def test_list_has_every_analyzed_experiment(page: AppTest, generated_gold: Query) -> None:
    rows = generated_gold(
        """
        select exp_id, sum(n), bool_or(srm_alert_chisq), bool_or(srm_alert_pp),
               any_value(decision)
        from fact_experiment_result where metric_role = 'primary'
        group by 1 order by 3 desc, 1
        """
    )
    assert len(rows) == 3, "config/experiments has three experiments"
    table = page.dataframe[0].value
    assert list(table["experiment"]) == [r[0] for r in rows]
    assert list(table["exposed"]) == [r[1] for r in rows]
    badges = ["SRM alert" if chisq else "> 2 pp off" if pp else "OK" for _, _, chisq, pp, _ in rows]
    assert list(table["SRM"]) == badges
    labels = {"ship": "Ship", "stop_guardrail": "Stop: harm", "invalid_srm": "Invalid: SRM",
              "no_effect_yet": "Keep running"}  # fmt: skip
    assert list(table["status"]) == [labels[r[4]] for r in rows]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_detail_shows_the_selected_experiment(
    page: AppTest, generated_gold: Query, index: int
) -> None:
    page.selectbox[0].select_index(index).run()
    assert not page.exception, page.exception
    exp_id = page.dataframe[0].value["experiment"][index]
    assert page.header[0].value == exp_id
    ((n, srm_p, days),) = generated_gold(
        f"select sum(n), any_value(srm_p_value), any_value(days_to_decision) "
        f"from fact_experiment_result where exp_id = '{exp_id}' and metric_role = 'primary'"
    )
    metrics = {m.label: (m.value, m.delta) for m in page.metric}
    assert metrics["Exposed identities"][0] == f"{n:,}"
    assert metrics["SRM"][1] == f"p = {srm_p:.4f}"
    assert metrics["Days to decision"][0] == ("ready" if days == 0 else f"{days:,.0f} days")

    results = generated_gold(
        f"""
        select metric, variant, rel_lift, ci_lo, ci_hi, prob_beat_control,
               variance_reduction, cuped_rel_lift
        from fact_experiment_result where exp_id = '{exp_id}' and not is_control
        order by case metric_role when 'primary' then 0 when 'secondary' then 1 else 2 end,
                 metric, variant
        """
    )
    table = page.dataframe[1].value
    assert list(zip(table["metric"], table["variant"], strict=True)) == [r[:2] for r in results]
    assert list(table["lift"]) == [_lift(r[2]) for r in results]
    assert list(table["95% CI"]) == [
        "–" if r[3] is None else f"[{r[3]:+.1%}, {r[4]:+.1%}]" for r in results
    ]
    assert list(table["P(beat control)"]) == [
        "–" if r[5] is None else f"{r[5]:.1%}" for r in results
    ]
    assert list(table["CUPED variance reduction"]) == [
        "–" if r[6] is None else f"{r[6]:.1%}" for r in results
    ]
    assert list(table["CUPED lift"]) == [_lift(r[7]) for r in results]


def test_guardrails_listed_with_their_status(page: AppTest, generated_gold: Query) -> None:
    exp_id = page.header[0].value
    guards = generated_gold(
        f"select metric, guardrail_status from fact_experiment_result "
        f"where exp_id = '{exp_id}' and metric_role = 'guardrail' and not is_control order by metric"
    )
    lines = [m.value for m in page.markdown if "-badge[" in m.value and "**" in m.value]
    assert len(lines) == len(guards) > 0
    color = {"pass": "green", "fail": "red"}
    for (metric, status), line in zip(guards, lines, strict=True):
        assert line.startswith(f":{color.get(status, 'gray')}-badge[{status}] **{metric}**")


def test_before_analyze_the_page_says_what_to_run(open_page: Open, scenario_lake: Settings) -> None:
    at = open_page("experiments", scenario_lake)
    assert "lakehouse analyze" in at.info[0].value
    assert not at.dataframe


@pytest.mark.parametrize(
    ("chisq", "pp", "badge"),
    [(True, True, "SRM alert"), (True, False, "SRM alert"), (False, True, "> 2 pp off"),
     (False, False, "OK")],
)  # fmt: skip
def test_srm_badge(chisq: bool, pp: bool, badge: str) -> None:
    exp = Experiment(
        "e", "m", 10, "no_effect_yet", 0.5, 1.0, chisq, pp, None, None, datetime(2026, 1, 1)
    )
    assert exp.srm_badge == badge
