"""Retention (PRIV-4) removes exactly the expired partitions and audits the run.

The lake: Bronze files that arrived on 2023-06-10 and on 2026-11-01 (written by the
ingest writer with those arrival times), refined into Silver partitions 2023-06-09
and 2026-10-30. On 2026-11-23 the raw cutoff (25 months) is 2024-10-23 and the
derived cutoff (36 months) 2023-11-23.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest

from lakehouse.config import Settings
from lakehouse.ingest.logfile import AppendLog, list_sealed
from lakehouse.ingest.records import process
from lakehouse.ingest.validate import Validator
from lakehouse.privacy import audit
from lakehouse.privacy.retention import RetentionPolicy, apply, months_before
from lakehouse.silver.refine import refine
from lakehouse.silver.tables import load_events_table

TODAY = date(2026, 11, 23)


def _land(settings: Settings, events: list[dict[str, Any]], arrived: datetime) -> None:
    now = arrived.timestamp()
    out = process(
        Validator(limits=settings.limits),
        events,
        [orjson.dumps(e) for e in events],
        now=now,
        batch_id="bat_test",
        origin="test",
    )
    assert out.accepted == len(events), out.rejected
    log = AppendLog(settings.bronze_dir, "evt")
    log.write(b"".join(out.bronze), now, out.accepted)
    log.close()


def _stamp(events: list[dict[str, Any]], ts: str) -> list[dict[str, Any]]:
    return [dict(e, event_ts=ts) for e in events]


@pytest.fixture
def lake(settings: Settings, make_events: Callable[[int], list[dict[str, Any]]]) -> Settings:
    _land(
        settings,
        _stamp(make_events(4), "2023-06-09T10:00:00Z"),
        datetime(2023, 6, 10, 12, tzinfo=UTC),
    )
    _land(
        settings,
        _stamp(make_events(6), "2026-10-30T10:00:00Z"),
        datetime(2026, 11, 1, 12, tzinfo=UTC),
    )
    refine(settings)
    return settings


def _silver_days(settings: Settings) -> dict[str, int]:
    table = load_events_table(settings)
    assert table is not None
    days: dict[str, int] = {}
    for row in table.scan(selected_fields=("event_dt",)).to_arrow().to_pylist():
        key = row["event_dt"].isoformat()
        days[key] = days.get(key, 0) + 1
    return days


def test_cutoffs_count_calendar_months_back() -> None:
    assert months_before(TODAY, 25) == date(2024, 10, 23)
    assert months_before(TODAY, 36) == date(2023, 11, 23)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)  # clamped


def test_retention_drops_exactly_the_expired_partitions(lake: Settings) -> None:
    assert sorted(f.rel.split("/")[0] for f in list_sealed(lake.bronze_dir)) == [
        "event_dt=2023-06-10",
        "event_dt=2026-11-01",
    ]
    assert _silver_days(lake) == {"2023-06-09": 4, "2026-10-30": 6}

    dry = apply(lake, RetentionPolicy(), today=TODAY, dry_run=True)
    assert (dry.raw_partitions, dry.silver_partitions, dry.silver_rows) == (
        ["bronze/event_dt=2023-06-10"],
        ["event_dt=2023-06-09"],
        4,
    )
    assert len(list_sealed(lake.bronze_dir)) == 2 and audit.verify(lake) == []

    report = apply(lake, RetentionPolicy(), today=TODAY)
    assert (report.raw_cutoff, report.derived_cutoff) == (date(2024, 10, 23), date(2023, 11, 23))
    assert [f.rel.split("/")[0] for f in list_sealed(lake.bronze_dir)] == ["event_dt=2026-11-01"]
    assert not (lake.bronze_dir / "event_dt=2023-06-10").exists()
    assert _silver_days(lake) == {"2026-10-30": 6}
    silver_files = {p.parent.name for p in lake.silver_dir.rglob("*.parquet")}
    assert silver_files == {"event_dt=2026-10-30"}  # the old partition's bytes are gone too
    entries = audit.verify(lake)
    assert [e.action for e in entries] == ["retention.apply"]
    assert entries[0].details["raw_partitions"] == ["bronze/event_dt=2023-06-10"]
    assert entries[0].details["silver_rows"] == 4


def test_longer_periods_keep_everything(lake: Settings) -> None:
    report = apply(lake, RetentionPolicy(raw_months=48, derived_months=48), today=TODAY)
    assert (report.raw_files, report.silver_rows) == (0, 0)
    assert _silver_days(lake) == {"2023-06-09": 4, "2026-10-30": 6}
