"""Each planted fault raises its alarm for exactly its hour (or day) and nothing else does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lakehouse.config import Settings
from tests.ops.conftest import T0, rows

Lake = tuple[Settings, dict[str, Any]]


def _fault(truth: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(f for f in truth["faults"] if f["kind"] == kind)


def _hour(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "")).replace(tzinfo=None)


def _alerts(settings: Settings) -> set[tuple[str, str, datetime]]:
    return set(rows(settings, "select alert_kind, subject, window_start_at from ops_alerts"))


def test_clean_lake_raises_no_alarm(clean_lake: Lake) -> None:
    settings, _ = clean_lake
    assert _alerts(settings) == set()


def test_faulted_lake_raises_exactly_the_planted_alarms(faulted_lake: Lake) -> None:
    settings, truth = faulted_lake
    drift = _fault(truth, "drift")
    arrival = T0.replace(tzinfo=None, minute=0)
    assert _alerts(settings) == {
        ("loss", "client events", _hour(_fault(truth, "loss")["event_hour"])),
        ("lag_silver", "ingest->silver", arrival.replace(hour=9)),  # the delayed deliveries
        ("dlq_burst", "dead letters", arrival),  # the burst came with the main file at 08:10
        ("schema_drift", f"search.query@v1:{drift['field']}", _hour(drift["event_hour"])),
        ("gmv_eur_move", "gmv_eur", datetime.fromisoformat(_fault(truth, "gmv_drop")["order_dt"])),
    }


def test_lag_is_the_frozen_clock_distance(faulted_lake: Lake) -> None:
    """Main file: received 08:10, refined 08:11, built 08:12; delayed: 09:10 → 09:55 → 09:56."""
    settings, _ = faulted_lake
    assert rows(
        settings,
        "select hour(received_hour), silver_lag_p95_s, gold_lag_p95_s from ops_lag_hourly order by 1",
    ) == [(8, 60.0, 60.0), (9, 2700.0, 60.0)]


def test_loss_counts_only_the_dropped_events(clean_lake: Lake, faulted_lake: Lake) -> None:
    loss = _fault(faulted_lake[1], "loss")
    sql = f"""select n_delivered, n_expected from ops_loss_hourly
              where event_hour = '{_hour(loss["event_hour"])}'"""
    ((clean_delivered, clean_expected),) = rows(clean_lake[0], sql)
    ((delivered, expected),) = rows(faulted_lake[0], sql)
    assert clean_delivered == clean_expected == loss["client_events_in_hour"]
    assert delivered == clean_delivered - loss["dropped_events"]
    # a dropped event that ended its session leaves no seq gap: it cannot be seen
    assert delivered < expected <= clean_expected
    assert delivered / expected < 0.95


def test_gmv_drop_is_the_planted_amount(faulted_lake: Lake) -> None:
    settings, truth = faulted_lake
    gmv = _fault(truth, "gmv_drop")
    ((gmv_cents,),) = rows(
        settings, f"select sum(gmv_cents) from kpi_gmv_daily where order_dt = '{gmv['order_dt']}'"
    )
    assert gmv_cents == gmv["gmv_cents_after"]


def test_dlq_burst_counts_every_planted_line(clean_lake: Lake, faulted_lake: Lake) -> None:
    sql = "select sum(n_dead_letters) from ops_dlq_hourly where reason = 'schema_violation'"
    ((clean,),) = rows(clean_lake[0], sql)
    ((faulted,),) = rows(faulted_lake[0], sql)
    assert clean == clean_lake[1]["rejected_by_reason"]["schema_violation"]
    assert faulted - clean == _fault(faulted_lake[1], "dlq_burst")["lines"]


def test_drift_onset_counts_the_planted_field(faulted_lake: Lake) -> None:
    settings, truth = faulted_lake
    drift = _fault(truth, "drift")
    assert rows(
        settings,
        f"""select n_with_field, n_schema_events from ops_schema_drift
            where field_name = '{drift["field"]}' and is_drift_onset""",
    ) == [(drift["events_in_onset_hour"], drift["events_in_onset_hour"])]


def test_run_log_has_every_stage_run(faulted_lake: Lake) -> None:
    settings, _ = faulted_lake
    got = rows(
        settings,
        "select stage, started_at, run_status from ops_run_log order by started_at, stage",
    )
    # the last build is recorded when it finishes, after it wrote ops_run_log
    assert [(s, t.strftime("%H:%M"), st) for s, t, st in got] == [
        ("load", "08:10", "ok"),
        ("refine", "08:11", "ok"),
        ("build", "08:12", "ok"),
        ("load", "09:10", "ok"),
        ("refine", "09:55", "ok"),
    ]
