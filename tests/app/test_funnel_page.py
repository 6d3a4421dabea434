"""The funnel page counts what an independent query over fact_sessions counts, and its
date, city, platform and channel filters narrow the count the same way."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import pytest
from streamlit.testing.v1 import AppTest

from lakehouse.config import Settings
from tests.dbt.conftest import Query

Open = Callable[[str, Settings], AppTest]
STEPS = {
    "Sessions": "true",
    "Search": "reached_search",
    "Profile view": "reached_view",
    "Message": "reached_message",
    "Checkout start": "reached_checkout_start",
    "Checkout complete": "reached_checkout_complete",
}


def _shown(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value.replace(",", "")) for m in at.metric}


def _counted(gold: Query, where: str = "true") -> dict[str, int]:
    cols = ", ".join(f"count(*) filter (where {c})" for c in STEPS.values())
    (row,) = gold(f"select {cols} from fact_sessions where {where}")
    return dict(zip(STEPS, row, strict=True))


@pytest.fixture
def page(open_page: Open, scenario_lake: Settings) -> AppTest:
    return open_page("funnel", scenario_lake)


def test_steps_in_funnel_order_equal_fact_sessions(page: AppTest, gold: Query) -> None:
    assert [m.label for m in page.metric] == list(STEPS)
    assert _shown(page) == _counted(gold)
    # gs_01 is the scenario's one session through the whole funnel (tests/dbt/scenario.py)
    assert _shown(page)["Checkout complete"] == 1


def test_step_conversion_is_each_step_over_the_one_before(page: AppTest, gold: Query) -> None:
    counts = list(_counted(gold).values())
    table = page.dataframe[0].value
    assert list(table["step"]) == list(STEPS)
    expected = ["–"] + [f"{b / a:.1%}" if a else "–" for a, b in pairwise(counts)]
    assert list(table["step conversion"]) == expected


@pytest.mark.parametrize(
    ("widget", "value", "where"),
    [
        ("City", "London", "city_name = 'London'"),
        ("Platform", "app", "platform = 'app'"),
        ("Channel", "paid_search", "channel = 'paid_search'"),
    ],
)
def test_each_filter_narrows_to_the_matching_sessions(
    page: AppTest, gold: Query, widget: str, value: str, where: str
) -> None:
    (box,) = [m for m in page.multiselect if m.label == widget]
    box.set_value([value]).run()
    assert not page.exception, page.exception
    expected = _counted(gold, where)
    assert _shown(page) == expected
    assert expected["Sessions"] < _counted(gold)["Sessions"], "the filter removes sessions"


def test_date_range_and_filters_combine(page: AppTest, gold: Query) -> None:
    ((last,),) = gold("select max(started_dt) from fact_sessions")
    page.date_input[0].set_value((last, last)).run()
    (box,) = [m for m in page.multiselect if m.label == "Channel"]
    box.set_value(["direct", "growth_alerts"]).run()
    expected = _counted(gold, f"started_dt = '{last}' and channel in ('direct', 'growth_alerts')")
    assert _shown(page) == expected
    assert expected["Sessions"] > 0


def test_funnel_on_generated_gold(
    open_page: Open, generated_lake: Settings, generated_gold: Query
) -> None:
    """Thousands of sessions: the same equality, and every step is reached by someone."""
    at = open_page("funnel", generated_lake)
    shown = _shown(at)
    assert shown == _counted(generated_gold)
    assert shown["Checkout complete"] > 0
