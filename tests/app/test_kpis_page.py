"""The KPI page shows the numbers independent queries over fact_orders and fact_sessions
give, for the chosen period and the one before it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from lakehouse.config import Settings
from tests.dbt.conftest import Query

Open = Callable[[str, Settings], AppTest]


def _metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def _top_currency(gold: Query) -> str:
    ((currency,),) = gold(
        "select currency from fact_orders group by 1 order by count(*) desc, 1 limit 1"
    )
    return str(currency)


def _expected(gold: Query, lo: date, hi: date, currency: str) -> dict[str, float | None]:
    ((orders, gmv, settled_take, settled_gmv, refunded, disputed),) = gold(
        f"""
        select count(*), coalesce(sum(amount_cents), 0),
               sum(amount_cents - payout_cents) filter (where is_paid_out),
               sum(amount_cents) filter (where is_paid_out),
               count(*) filter (where is_refunded), count(*) filter (where dispute_status <> 'none')
        from fact_orders
        where order_dt between '{lo}' and '{hi}' and currency = '{currency}'
        """
    )
    ((sessions, converted),) = gold(
        f"select count(*), count(*) filter (where reached_checkout_complete) from fact_sessions "
        f"where started_dt between '{lo}' and '{hi}'"
    )
    return {
        "orders": orders,
        "gmv": gmv,
        "take": settled_take / settled_gmv if settled_gmv else None,
        "sessions": sessions,
        "conversion": converted / sessions if sessions else None,
        "refund": refunded / orders if orders else None,
        "dispute": disputed / orders if orders else None,
    }


@pytest.fixture
def page(open_page: Open, scenario_lake: Settings) -> AppTest:
    return open_page("kpis", scenario_lake)


def test_kpi_page_headline_equals_fact_orders(page: AppTest, gold: Query) -> None:
    ((hi,),) = gold("select max(order_dt) from fact_orders")
    lo = hi - timedelta(days=6)
    currency = _top_currency(gold)
    e = _expected(gold, lo, hi, currency)
    metrics = _metrics(page)
    assert metrics["Orders"][0] == f"{e['orders']:,}"
    assert metrics["GMV"][0] == f"{e['gmv'] / 100:,.0f} {currency}"
    assert metrics["Sessions"][0] == f"{e['sessions']:,}"
    assert e["orders"] and e["orders"] > 0, "the scenario has orders in its last week"


def test_changing_the_period_changes_the_numbers(page: AppTest, gold: Query) -> None:
    ((lo, hi),) = gold("select min(order_dt), max(order_dt) from fact_orders")
    currency = _top_currency(gold)
    seen = []
    for start, end in ((lo, hi), (hi, hi)):
        page.date_input[0].set_value((start, end)).run()
        e = _expected(gold, start, end, currency)
        metrics = _metrics(page)
        assert metrics["Orders"][0] == f"{e['orders']:,}"
        assert metrics["Sessions"][0] == f"{e['sessions']:,}"
        seen.append((e["orders"], e["sessions"]))
    assert seen[0] != seen[1], "the scenario's days differ, so the check can fail"


def test_every_kpi_and_its_delta_against_the_previous_week(
    open_page: Open, generated_lake: Settings, generated_gold: Query
) -> None:
    """Generated Gold: two full weeks of orders, so every KPI has a previous period."""
    at = open_page("kpis", generated_lake)
    ((hi,),) = generated_gold("select max(order_dt) from fact_orders")
    lo, prev_lo, prev_hi = hi - timedelta(days=6), hi - timedelta(days=13), hi - timedelta(days=7)
    currency = _top_currency(generated_gold)
    now = _expected(generated_gold, lo, hi, currency)
    before = _expected(generated_gold, prev_lo, prev_hi, currency)
    assert now["orders"] and before["orders"], "both weeks have orders"

    def rel(key: str) -> str:
        return f"{(now[key] / before[key] - 1) * 100:+.1f}%"  # type: ignore[operator]

    def pp(key: str) -> str:
        return f"{(now[key] - before[key]) * 100:+.2f} pp"  # type: ignore[operator]

    assert _metrics(at) == {
        "GMV": (f"{now['gmv'] / 100:,.0f} {currency}", rel("gmv")),
        "Orders": (f"{now['orders']:,}", rel("orders")),
        "Take rate": (f"{now['take']:.1%}", pp("take")),
        "Sessions": (f"{now['sessions']:,}", rel("sessions")),
        "Session → order": (f"{now['conversion']:.2%}", pp("conversion")),
        "Refund rate": (f"{now['refund']:.1%}", pp("refund")),
        "Dispute rate": (f"{now['dispute']:.1%}", pp("dispute")),
    }
    assert f"{prev_lo} – {prev_hi}" in at.caption[0].value


def test_currency_filter_switches_every_money_figure(
    open_page: Open, generated_lake: Settings, generated_gold: Query
) -> None:
    at = open_page("kpis", generated_lake)
    currencies = at.selectbox[0].options
    assert len(currencies) > 1, "the generator sells in several currencies"
    other = currencies[1]
    at.selectbox[0].set_value(other).run()
    ((hi,),) = generated_gold("select max(order_dt) from fact_orders")
    e = _expected(generated_gold, hi - timedelta(days=6), hi, other)
    metrics = _metrics(at)
    assert metrics["Orders"][0] == f"{e['orders']:,}"
    assert metrics["GMV"][0] == f"{e['gmv'] / 100:,.0f} {other}"
