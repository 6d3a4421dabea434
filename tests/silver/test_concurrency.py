"""Two refines on one lake are serialised by the refine lock (waiting or refused with a clear message)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lakehouse.config import Settings
from lakehouse.errors import PipelineError
from lakehouse.silver.ledger import refine_lock
from lakehouse.silver.refine import refine
from tests.silver.conftest import event, land, silver

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from lakehouse.config import load_settings
from lakehouse.silver.refine import refine
r = refine(load_settings(sys.argv[1]), batch_bytes=1)
print(r.rows_written)
"""

pytestmark = pytest.mark.fault


def test_a_second_refine_fails_fast_with_no_wait(settings: Settings) -> None:
    land(settings, [event()])
    with (
        refine_lock(settings.state_dir),
        pytest.raises(PipelineError, match=r"another refine \(pid \d+\)"),
    ):
        refine(settings, wait=False)
    assert refine(settings, wait=False).rows_written == 1


def test_a_second_refine_waits_for_the_first(settings: Settings) -> None:
    land(settings, [event(), event()])
    messages: list[str] = []
    results = []
    with refine_lock(settings.state_dir):
        worker = threading.Thread(
            target=lambda: results.append(refine(settings, on_wait=messages.append))
        )
        worker.start()
        worker.join(1.0)
        assert worker.is_alive() and results == []  # blocked on the lock
    worker.join(60)
    assert results[0].rows_written == 2
    assert messages and "waiting" in messages[0]


def test_concurrent_processes_load_every_event_once(settings: Settings) -> None:
    for _ in range(4):
        land(settings, [event(), event(), event()])
    env = {**os.environ}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(settings.home)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    written = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        written.append(int(out.decode().split()[-1]))
    assert sorted(written) == [0, 12]  # the second found everything already refined
    ids = [r["event_id"] for r in silver(settings)]
    assert len(ids) == 12 == len(set(ids))


def _cli_refine(settings: Settings, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lakehouse.cli", "--home", str(settings.home), "refine", *args],
        env={**os.environ}, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_cli_refine_while_another_runs_is_refused_or_waits(settings: Settings) -> None:
    """`lakehouse refine --no-wait` exits non-zero naming the holder and the fix;
    plain `lakehouse refine` says it waits, then refines once the holder is done."""
    land(settings, [event(), event(), event()])
    with refine_lock(settings.state_dir):  # this test process is "the other refine"
        refused = _cli_refine(settings, "--no-wait")
        out, err = refused.communicate(timeout=120)
        assert refused.returncode != 0 and out == ""
        assert f"another refine (pid {os.getpid()})" in err and "without --no-wait" in err
        waiting = _cli_refine(settings)
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(5)  # blocked on the lock, not refining behind our back
        assert silver(settings) == []
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert "waiting for it to finish" in err
    assert len(silver(settings)) == 3
