"""Crash safety (LAKE-2): a refine killed with SIGKILL anywhere, then run again, ends
with exactly the right rows — no loss, no duplicate, no orphan data file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lakehouse.config import Settings
from lakehouse.silver.ledger import Ledger
from lakehouse.silver.refine import FAULT_ENV, refine
from lakehouse.silver.tables import load_events_table
from tests.silver.conftest import event, land, rb_files, silver

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from lakehouse.config import load_settings
from lakehouse.silver.refine import refine
refine(load_settings(sys.argv[1]), batch_bytes=int(sys.argv[2]))
"""

pytestmark = pytest.mark.fault


def run_child(settings: Settings, batch_bytes: int = 1, fault: str = "") -> subprocess.Popen[bytes]:
    env = {**os.environ, FAULT_ENV: fault}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(settings.home), str(batch_bytes)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def three_files(settings: Settings) -> None:
    """3 Bronze files, 7 lines, 6 distinct events (one retried in a later file)."""
    e1 = event()
    land(settings, [e1, event()])
    land(settings, [event(), event(), {**e1, "page_path": "/retry"}])
    land(settings, [event(), event()])


def assert_exact(settings: Settings, expected_rows: int) -> None:
    rows = silver(settings)
    ids = [r["event_id"] for r in rows]
    assert len(rows) == expected_rows
    assert len(set(ids)) == len(ids)
    table = load_events_table(settings)
    assert table is not None
    live = {t.file.file_path.removeprefix("file://") for t in table.scan().plan_files()}
    assert {str(p) for p in rb_files(settings)} == live  # no orphan Parquet file left behind
    ledger = Ledger(settings.state_dir)
    try:
        assert ledger.pending() == []
        assert len(ledger.loaded()) == 3
    finally:
        ledger.close()


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        ("after-pending:1", "redone"),  # ledger says pending, nothing written
        ("before-commit:1", "redone"),  # Parquet files written, no snapshot
        ("before-commit:2", "redone"),  # batch 1 committed, batch 2 written only
        ("after-commit:1", "committed"),  # snapshot committed, ledger not updated
        ("after-commit:3", "committed"),  # the last batch
    ],
)
def test_killed_refine_reruns_to_exact_rows(settings: Settings, fault: str, outcome: str) -> None:
    three_files(settings)
    child = run_child(settings, fault=fault)
    assert child.wait(60) == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    result = refine(settings, batch_bytes=1)
    assert len(result.recovered) == 1 and result.recovered[0].endswith(outcome)
    assert_exact(settings, expected_rows=6)
    again = refine(settings)
    assert again.rows_written == 0 and again.recovered == []
    assert_exact(settings, expected_rows=6)


@pytest.mark.parametrize("delay", [0.5, 1.5, 2.5, 3.5])
def test_kill_at_a_random_moment(settings: Settings, delay: float) -> None:
    three_files(settings)
    child = run_child(settings)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(60)
    refine(settings, batch_bytes=1)
    assert_exact(settings, expected_rows=6)
