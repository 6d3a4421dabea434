"""The KPI page shows the numbers an independent query over fact_orders gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from lakehouse.config import Settings
from tests.conftest import ROOT
from tests.dbt.conftest import Query


@pytest.fixture
def page(scenario_lake: Settings, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("LAKEHOUSE_HOME", str(scenario_lake.home))
    at = AppTest.from_file(str(ROOT / "app_pages" / "kpis.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    return at


def test_kpi_page_headline_equals_fact_orders(page: AppTest, gold: Query) -> None:
    ((hi,),) = gold("select max(order_dt) from fact_orders")
    lo = hi - timedelta(days=6)
    ((currency,),) = gold(
        "select currency from fact_orders group by 1 order by count(*) desc, 1 limit 1"
    )
    ((orders, gmv),) = gold(
        f"select count(*), coalesce(sum(amount_cents), 0) from fact_orders "
        f"where order_dt between '{lo}' and '{hi}' and currency = '{currency}'"
    )
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Orders"] == f"{orders:,}"
    assert metrics["GMV"] == f"{gmv / 100:,.0f} {currency}"
    assert orders > 0, "the scenario has orders in its last week"


def test_changing_the_period_changes_the_numbers(page: AppTest, gold: Query) -> None:
    ((lo, hi),) = gold("select min(order_dt), max(order_dt) from fact_orders")
    ((currency,),) = gold(
        "select currency from fact_orders group by 1 order by count(*) desc, 1 limit 1"
    )
    page.date_input[0].set_value((lo, hi)).run()
    ((orders,),) = gold(f"select count(*) from fact_orders where currency = '{currency}'")
    assert {m.label: m.value for m in page.metric}["Orders"] == f"{orders:,}"
