"""LAKE-4: `lakehouse refresh --nrt` refreshes today's ops views from new Silver, nothing else.

A 3-day generated lake on a frozen clock: the events before 2026-10-03 12:00 are loaded at
20:50, refined at 20:51 and built at 20:52 (the whole project without data tests, which
tests/dbt and tests/ops run); the rest of "today" is loaded at 21:10 and
`lakehouse refresh --nrt` runs as a real process at 21:13. Every nrt row is checked against counts made here in Python from
Silver (pyiceberg) and the DLQ files; ingest→Silver lag is known by construction.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from lakehouse.cli import main
from lakehouse.clock import NOW_ENV
from lakehouse.config import Settings, load_settings
from lakehouse.ingest.loader import load_files
from lakehouse.observability.runlog import read_runs
from lakehouse.silver.refine import refine
from lakehouse.silver.tables import load_events_table
from lakehouse.simulate import generate
from lakehouse.transform.query import run_query
from lakehouse.transform.runner import build
from tests.conftest import ROOT

TODAY = date(2026, 10, 3)
SPLIT = "2026-10-03T12"  # events from here on arrive in the second load
NO_TESTS = "resource_type:test resource_type:unit_test"


def hour(h: int) -> datetime:
    return datetime(2026, 10, 3, h)


def truncate_hour(at: datetime) -> datetime:
    """The UTC hour of an aware time, naive like Gold's timestamps."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0, tzinfo=None)


def _at(monkeypatch: pytest.MonkeyPatch, hh_mm: str) -> None:
    monkeypatch.setenv(NOW_ENV, f"2026-10-03T{hh_mm}:00Z")


def rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    return run_query(settings, sql, role="admin").rows


def silver_today(settings: Settings) -> list[dict[str, Any]]:
    """Today's Silver rows, read with pyiceberg (not through dbt or DuckDB)."""
    table = load_events_table(settings)
    assert table is not None
    scan = table.scan(
        row_filter=f"event_dt = '{TODAY.isoformat()}'",
        selected_fields=("event_name", "event_ts", "received_at", "silver_loaded_at"),
    )
    return scan.to_arrow().to_pylist()


def volume(events: list[dict[str, Any]]) -> list[tuple[datetime, str, int]]:
    counts = Counter((truncate_hour(e["event_ts"]), e["event_name"]) for e in events)
    return sorted((h, name, n) for (h, name), n in counts.items())


def dead_letters_today(settings: Settings) -> list[tuple[datetime, str, int]]:
    """Per arrival hour × reason, from the DLQ's own NDJSON files."""
    counts: Counter[tuple[datetime, str]] = Counter()
    for path in settings.dlq_dir.rglob("*.ndjson"):
        for line in path.read_bytes().splitlines():
            rec = orjson.loads(line)
            at = datetime.fromisoformat(rec["received_at"].replace("Z", "+00:00"))
            if at.date() == TODAY:
                counts[(truncate_hour(at), rec["reason"])] += 1
    return sorted((h, reason, n) for (h, reason), n in counts.items())


def nrt_volume(settings: Settings) -> list[tuple[Any, ...]]:
    return rows(
        settings,
        "select event_hour, event_name, n_events from nrt_volume_hourly order by 1, 2",
    )


def nrt_dlq(settings: Settings) -> list[tuple[Any, ...]]:
    return rows(
        settings, "select received_hour, reason, n_dead_letters from nrt_dlq_hourly order by 1, 2"
    )


@pytest.fixture
def built_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Path]:
    """Built lake (first load) and the NDJSON of the rest of today, not loaded yet."""
    src = tmp_path / "events.ndjson"
    generate(3000, 17, src, start=date(2026, 10, 1), days=3)
    first, rest = [], []
    for line in src.read_bytes().splitlines(keepends=True):
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            event = None  # a planted broken line: first load
        ts = event.get("event_ts") if isinstance(event, dict) else None
        (rest if isinstance(ts, str) and ts >= SPLIT else first).append(line)
    (tmp_path / "first.ndjson").write_bytes(b"".join(first))
    # one more dead letter, arriving with the second load
    (tmp_path / "rest.ndjson").write_bytes(b"".join(rest) + b"{not json\n")
    settings = load_settings(tmp_path / "lake").ensure()
    _at(monkeypatch, "20:50")
    load_files(settings, [tmp_path / "first.ndjson"])
    _at(monkeypatch, "20:51")
    refine(settings)
    _at(monkeypatch, "20:52")
    build(settings, full_refresh=True, exclude=NO_TESTS)
    return settings, tmp_path / "rest.ndjson"


def test_refresh_nrt_updates_todays_views_and_nothing_else(
    built_lake: tuple[Settings, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, rest = built_lake
    # After a normal build, the nrt marts already hold the first load's today.
    first_today = silver_today(settings)
    assert len(first_today) > 100
    assert nrt_volume(settings) == volume(first_today)
    assert nrt_dlq(settings) == dead_letters_today(settings)
    before = rows(settings, "select count(*), max(gold_built_at) from fact_events")
    ops_lag_before = rows(settings, "select * from ops_lag_hourly order by received_hour")

    _at(monkeypatch, "21:10")
    load_files(settings, [rest])
    env = {**os.environ, NOW_ENV: "2026-10-03T21:13:00Z"}
    proc = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli", "--home", str(settings.home), "refresh", "--nrt"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr

    today = silver_today(settings)
    assert len(today) > len(first_today)  # the second load reached Silver, and the views
    assert nrt_volume(settings) == volume(today)
    expected_dlq = dead_letters_today(settings)
    assert (hour(21), "invalid_json", 1) in expected_dlq
    assert nrt_dlq(settings) == expected_dlq
    # Loaded 20:50 → refined 20:51 (60 s); loaded 21:10 → refined by the refresh at 21:13.
    by_arrival = Counter(e["received_at"].hour for e in today)
    assert rows(
        settings,
        "select received_hour, n_events, silver_lag_p95_s, is_silver_lag_breached "
        "from nrt_lag_hourly order by 1",
    ) == [(hour(20), by_arrival[20], 60.0, False), (hour(21), by_arrival[21], 180.0, False)]
    assert rows(settings, "select * from nrt_status") == [
        (TODAY, datetime(2026, 10, 3, 21, 13), len(today), datetime(2026, 10, 3, 21, 13),
         sum(n for _, _, n in expected_dlq)),
    ]  # fmt: skip

    # No full build ran: the facts and the other ops marts are as the build left them.
    assert rows(settings, "select count(*), max(gold_built_at) from fact_events") == before
    assert rows(settings, "select * from ops_lag_hourly order by received_hour") == ops_lag_before
    stages = [(r["stage"], r["status"]) for r in read_runs(settings)]
    assert stages.count(("build", "ok")) == 1 and stages[-1] == ("refresh", "ok")

    assert f"refresh --nrt for {TODAY} (UTC)" in proc.stderr
    for step in ("refine", "snapshot", "dbt", "nrt_volume_hourly"):
        assert step in proc.stderr
    assert proc.stdout.startswith("near-real-time views refreshed in ")
    assert f"{len(today)} events and {sum(n for _, _, n in expected_dlq)} dead letters" in (
        proc.stdout
    )

    # The Pipeline health page's Today section reads the refreshed marts.
    monkeypatch.setenv("LAKEHOUSE_HOME", str(settings.home))
    page = AppTest.from_file(str(ROOT / "app_pages" / "health.py"), default_timeout=60)
    page.run()
    assert not page.exception, page.exception
    assert "2026-10-03 (UTC), last refreshed 2026-10-03 21:13 UTC" in page.caption[0].value
    assert [(m.label, m.value) for m in page.metric] == [
        ("Events in Silver today", f"{len(today):,}"),
        ("Dead letters today", f"{sum(n for _, _, n in expected_dlq):,}"),
    ]
    dlq_by_reason = Counter[str]()
    for _, reason, n in expected_dlq:
        dlq_by_reason[reason] += n
    (shown,) = [
        d.value for d in page.dataframe if list(d.value.columns) == ["reason", "n_dead_letters"]
    ]
    assert dict(zip(shown["reason"], shown["n_dead_letters"], strict=True)) == dlq_by_reason


def refresh(home: Path) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["--home", str(home), "refresh", "--nrt"])
    return res.exit_code, res.output


def test_refresh_without_gold_says_build_first_and_refines_nothing(
    settings: Settings, make_events: Callable[[int], list[dict[str, Any]]], tmp_path: Path
) -> None:
    events = tmp_path / "events.ndjson"
    events.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in make_events(20)))
    load_files(settings, [events])
    code, out = refresh(settings.home)
    assert code == 1
    assert "Gold does not exist yet" in out and "Run `lakehouse build` first" in out
    assert not settings.gold_path.exists()
    assert load_events_table(settings) is None  # refused before refining


def test_refresh_without_silver_says_load_first(settings: Settings) -> None:
    duckdb.connect(str(settings.gold_path)).close()  # a Gold file, but nothing in Silver
    code, out = refresh(settings.home)
    assert code == 1
    assert "Silver is empty" in out and "`lakehouse load <file.ndjson>`" in out


def test_refresh_needs_the_nrt_flag(settings: Settings) -> None:
    res = CliRunner().invoke(main, ["--home", str(settings.home), "refresh"])
    assert res.exit_code == 2
    assert "`lakehouse refresh --nrt`" in res.output and "`lakehouse build`" in res.output
