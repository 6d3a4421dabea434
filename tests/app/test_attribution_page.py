"""The attribution page's shares, credits and ROAS equal independent queries over the
attribution facts, the campaign spend seed and the fx seed (generated Gold: it has spend
and every channel)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from lakehouse.config import Settings
from tests.dbt.conftest import Query

Open = Callable[[str, Settings], AppTest]
MODELS = ("last_non_direct", "first_touch", "linear", "position_based")


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _expected(gold: Query, lo: date, hi: date) -> dict[str, str]:
    ((orders,),) = gold(
        f"select count(*) from fact_orders where order_dt between '{lo}' and '{hi}'"
    )
    ((attributed, proof),) = gold(
        f"""
        select count(*) filter (where channel <> 'direct'),
               count(*) filter (where channel <> 'direct' and has_click_proof)
        from fact_attribution_checkout where converted_dt between '{lo}' and '{hi}'
        """
    )
    # ROAS from the seeds: revenue credited to campaigns that spent in the period ÷ spend
    ((revenue, spend),) = gold(
        f"""
        with paid as (
            select campaign_id, sum(spend_cents) as spend from main_seeds.campaign_spend
            where spend_dt between '{lo}' and '{hi}' group by 1 having sum(spend_cents) > 0
        )
        select (select sum(a.amount_cents * fx.eur_per_unit)
                from fact_attribution_checkout a
                join main_seeds.fx_rates fx using (currency)
                where a.campaign_id in (select campaign_id from paid)
                  and a.converted_dt between '{lo}' and '{hi}'),
               (select sum(spend) from paid)
        """
    )
    return {
        "Orders": f"{orders:,}",
        "Attributed to a channel": f"{attributed / orders:.1%}",
        "Click-proof share": f"{proof / attributed:.1%}",
        "ROAS (paid campaigns)": f"{revenue / spend:.2f}×",
    }


@pytest.fixture
def page(open_page: Open, generated_lake: Settings) -> AppTest:
    return open_page("attribution", generated_lake)


def test_headline_equals_independent_sql(page: AppTest, generated_gold: Query) -> None:
    ((lo, hi),) = generated_gold("select min(order_dt), max(order_dt) from fact_orders")
    assert _metrics(page) == _expected(generated_gold, lo, hi)


def test_the_period_filter_recomputes_every_figure(page: AppTest, generated_gold: Query) -> None:
    ((hi,),) = generated_gold("select max(order_dt) from fact_orders")
    lo = hi - timedelta(days=3)
    before = _metrics(page)
    page.date_input[0].set_value((lo, hi)).run()
    assert not page.exception, page.exception
    after = _metrics(page)
    assert after == _expected(generated_gold, lo, hi)
    assert after["Orders"] != before["Orders"]


def test_click_proof_table_per_channel(page: AppTest, generated_gold: Query) -> None:
    table = page.dataframe[0].value
    rows = generated_gold(
        "select channel, count(*), count(*) filter (where has_click_proof) "
        "from fact_attribution_checkout group by 1 order by 2 desc, 1"
    )
    assert [
        tuple(r) for r in table[["channel", "orders", "with click proof"]].itertuples(index=False)
    ] == rows
    assert table.loc[table.channel == "direct", "with click proof"].item() == 0


def test_models_credit_the_same_orders_to_different_channels(
    page: AppTest, generated_gold: Query
) -> None:
    table = page.dataframe[2].value.set_index("channel")
    assert list(table.columns) == list(MODELS)
    for model in MODELS:
        credited = dict(
            generated_gold(
                f"select channel, round(sum(credit), 2) from fact_attribution_credit_{model} "
                "where conversion_type = 'checkout' group by 1"
            )
        )
        shown = {c: v for c, v in table[model].items() if v}
        assert shown == pytest.approx(credited), model
    ((orders,),) = generated_gold("select count(*) from fact_orders")
    assert table.sum().round().tolist() == [orders] * len(MODELS), "every order credited once"
    assert not table["last_non_direct"].equals(table["linear"]), "the models disagree somewhere"


def test_roas_table_per_channel(page: AppTest, generated_gold: Query) -> None:
    ((lo, hi),) = generated_gold("select min(order_dt), max(order_dt) from fact_orders")
    table = page.dataframe[1].value
    rows = generated_gold(
        f"""
        select d.channel_group, sum(s.spend_cents) / 100
        from main_seeds.campaign_spend s join dim_campaign d using (campaign_id)
        where s.spend_dt between '{lo}' and '{hi}'
        group by 1 having sum(s.spend_cents) > 0 order by 2 desc, 1
        """
    )
    assert list(table["channel"]) == [r[0] for r in rows]
    assert list(table["spend EUR"]) == pytest.approx([r[1] for r in rows])
    roas = table["revenue EUR"] / table["spend EUR"]
    assert list(table["ROAS"]) == pytest.approx(list(roas), abs=0.005)
