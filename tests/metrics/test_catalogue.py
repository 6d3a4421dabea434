"""The metric files (FUN-2): one per canonical metric, each Athena SQL with its header."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lakehouse.errors import MetricError
from lakehouse.metrics.catalogue import (
    METRICS_DIR,
    REQUIRED,
    get_metric,
    list_metrics,
    load_metric,
    local_sql,
    metric_findings,
)

FUN2 = {
    "search_to_view_ctr", "view_to_message_rate", "message_to_checkout_start",
    "checkout_start_to_complete", "refund_rate", "dispute_rate", "chargeback_win_rate", "gmv",
    "take_rate", "time_to_first_booking", "repeat_booking_rate", "growth_message_ctr",
    "referral_qualification_rate", "promo_ctr", "roas",
}  # fmt: skip


def test_one_file_per_fun2_metric() -> None:
    assert {m.name for m in list_metrics()} == FUN2


@pytest.mark.parametrize("name", sorted(FUN2))
def test_header_states_the_definition_and_the_sql_is_portable(name: str) -> None:
    metric = get_metric(name)
    for key in REQUIRED:
        assert len(metric.header[key]) >= 3, (name, key)
    assert metric_findings(metric) == []


def test_window_replaces_the_params_cte() -> None:
    sql = local_sql(get_metric("gmv"), date(2026, 10, 2), date(2026, 10, 3))
    assert "CAST('2026-10-02' AS DATE) AS start_dt, CAST('2026-10-03' AS DATE) AS end_dt" in sql
    assert "9999-12-31" not in sql


def test_reversed_window_is_refused() -> None:
    with pytest.raises(MetricError, match="--start 2026-10-03 is after --end 2026-10-01"):
        local_sql(get_metric("gmv"), date(2026, 10, 3), date(2026, 10, 1))


def test_a_header_without_owner_is_refused(tmp_path: Path) -> None:
    text = (METRICS_DIR / "gmv.sql").read_text().replace("-- owner:", "-- ownr:")
    (tmp_path / "gmv.sql").write_text(text)
    with pytest.raises(MetricError, match="no header line for owner"):
        load_metric(tmp_path / "gmv.sql")


def test_unknown_metric_lists_the_known_ones() -> None:
    with pytest.raises(MetricError, match=r"no metric named 'nope'.*known metrics: chargeback"):
        get_metric("nope")
