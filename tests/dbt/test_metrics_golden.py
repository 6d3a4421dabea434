"""Every canonical metric on the hand-made scenario Gold (tests/dbt/scenario.py) equals a
value computed by hand from the scenario's rows; the reasoning is beside each number."""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

import orjson
import pytest

from lakehouse.config import SEEDS_DIR, Settings
from lakehouse.metrics.catalogue import get_metric, run_metric
from tests.dbt.conftest import invoke


def rows(lake: Settings, name: str, start: date | None = None, end: date | None = None) -> Any:
    return run_metric(lake, get_metric(name), start, end).rows


# Sessions with a search: gs_01, gs_10 (u_ann), gs_15 (u_bob), gs_21 (visitor) = 4.
# Of those, a later profile.view: gs_01, gs_10, gs_21 = 3; a message after it: gs_01 only;
# gs_01 then starts and completes a checkout.
FUNNEL = [
    ("search_to_view_ctr", (3, 4, 0.75)),
    ("view_to_message_rate", (1, 3, pytest.approx(1 / 3))),
    ("message_to_checkout_start", (1, 1, 1.0)),
    ("checkout_start_to_complete", (1, 1, 1.0)),
]
# Two orders: ord_1 (u_ann, 9900 EUR, refunded 2000, paid out 8415) and ord_2 (u_bob,
# 5000 GBP, dispute lost, not paid out).
ORDERS = [
    ("refund_rate", (1, 2, 0.5)),
    ("dispute_rate", (1, 2, 0.5)),
    ("chargeback_win_rate", (0, 1, 0.0)),  # the one closed dispute was lost
    ("referral_qualification_rate", (1, 1, 1.0)),  # evt_13 signup, qualified by ord_2
    ("promo_ctr", (1, 1, 1.0)),  # evt_24 impression, evt_25 click
]


@pytest.mark.parametrize(("name", "expected"), FUNNEL + ORDERS, ids=lambda v: str(v))
def test_single_row_metrics(scenario_lake: Settings, name: str, expected: tuple[Any, ...]) -> None:
    assert rows(scenario_lake, name) == [expected]


def test_gmv_is_per_currency(scenario_lake: Settings) -> None:
    assert rows(scenario_lake, "gmv") == [("EUR", 1, 9900), ("GBP", 1, 5000)]


def test_take_rate_counts_only_paid_out_orders(scenario_lake: Settings) -> None:
    # ord_1: (9900 - 8415) / 9900 = 1485 / 9900 = 0.15; ord_2 is not paid out yet
    assert rows(scenario_lake, "take_rate") == [("EUR", 1485, 9900, 0.15), ("GBP", 0, 0, None)]


def test_time_to_first_booking(scenario_lake: Settings) -> None:
    # u_ann: first event 10-01 08:00 (email.sent), order 09:30 → 1.5 h;
    # u_bob: first event 10-02 08:00 (login), order 15:00 → 7 h; mean 4.25 h
    assert rows(scenario_lake, "time_to_first_booking") == [(8.5, 2, 4.25)]


def test_repeat_booking_rate_has_three_windows(scenario_lake: Settings) -> None:
    # both buyers have exactly one order, so nobody repeats in any window
    assert rows(scenario_lake, "repeat_booking_rate") == [
        (7, 0, 2, 0.0),
        (30, 0, 2, 0.0),
        (90, 0, 2, 0.0),
    ]


def test_growth_message_ctr_per_surface(scenario_lake: Settings) -> None:
    # email: evt_00 sent, never clicked → 0/1; alert: evt_26 clicked, sends are not
    # tracked → NULL; digest: nothing
    assert rows(scenario_lake, "growth_message_ctr") == [
        ("alert", 1, 0, None),
        ("digest", 0, 0, None),
        ("email", 0, 1, 0.0),
    ]


def test_roas_is_zero_when_no_order_is_attributed(scenario_lake: Settings) -> None:
    # ord_1 (09:30) precedes u_ann's only paid click (21:00); ord_2 has no touch → both
    # direct. Spend = every row of the campaign_spend seed (the window is all history).
    with (SEEDS_DIR / "campaign_spend.csv").open() as fh:
        spend = sum(int(r["spend_cents"]) for r in csv.DictReader(fh))
    assert rows(scenario_lake, "roas") == [(0, spend, 0.0)]


def test_window_restricts_by_the_metric_date(scenario_lake: Settings) -> None:
    # 10-02..10-03: searching sessions gs_15, gs_21; only gs_21 views a profile
    assert rows(scenario_lake, "search_to_view_ctr", date(2026, 10, 2), date(2026, 10, 3)) == [
        (1, 2, 0.5)
    ]
    # 10-02 only: ord_2, not refunded
    assert rows(scenario_lake, "refund_rate", date(2026, 10, 2), date(2026, 10, 2)) == [(0, 1, 0.0)]


def test_cli_runs_a_metric_as_json(scenario_lake: Settings) -> None:
    res = invoke(scenario_lake.home, "metrics", "run", "gmv", "--start", "2026-10-01",
                 "--end", "2026-10-01", "--format", "json")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert orjson.loads(res.stdout) == [{"currency": "EUR", "n_orders": 1, "gmv_cents": 9900}]
