"""Sustained load (ING-6, LAKE-2): `wrk` on loopback against `serve --workers 2` with
generated 50-event batches for LAKEHOUSE_LOAD_SECONDS (default 60): no error, and after
refine Silver holds exactly the events the run sent — each acknowledged, each once.

Correctness only; latency and throughput are measured by `python -m bench --stages load`.
Each of the 8 connections waits LAKEHOUSE_LOAD_DELAY_MS (default 150) between requests so
the run stays near 150,000 events, which refine checks within the test's ~75 s.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyarrow.compute as pc
import pytest

from bench.wrk import BATCH, event_bodies, run_wrk, sent_ids, write_script
from lakehouse.config import Settings
from lakehouse.silver.refine import refine
from lakehouse.silver.tables import load_events_table
from lakehouse.simulate import generate
from tests.conftest import Server
from tests.ingest.lakeread import bronze_lines

pytestmark = pytest.mark.e2e

SECONDS = int(os.environ.get("LAKEHOUSE_LOAD_SECONDS", "60"))
DELAY_MS = int(os.environ.get("LAKEHOUSE_LOAD_DELAY_MS", "150"))
CONNECTIONS = 8
BODIES = 60


def test_wrk_load_every_acknowledged_event_reaches_silver_once(
    settings: Settings, start_server: Callable[..., Server], tmp_path: Path
) -> None:
    assert shutil.which("wrk"), "wrk is missing: run `make system-deps` (apt-get install wrk)"
    dataset = tmp_path / "events.ndjson"
    generate(BODIES * BATCH * 5 // 4, 23, dataset, start=date(2026, 10, 1), days=3)
    bodies = event_bodies(dataset, BODIES)
    script = write_script(bodies, tmp_path / "load.lua", SECONDS, DELAY_MS)
    srv = start_server(workers=2)

    res = run_wrk(srv.url + "/e", script, SECONDS, CONNECTIONS)
    print(f"wrk: {res.ok} requests, {res.acked} events in {res.seconds:.1f} s, "
          f"p50 {res.p50_ms:.1f} ms, p99 {res.p99_ms:.1f} ms, max {res.max_ms:.1f} ms")  # fmt: skip
    srv.stop()  # graceful: seals the open Bronze files

    assert (res.non2xx, res.socket_errors, res.timeouts) == (0, 0, 0)
    assert res.ok == res.requests == res.sent, "every request sent was answered with a 200"
    assert res.acked == BATCH * res.ok, "every event of every batch was accepted"
    assert res.acked > 10 * BATCH * CONNECTIONS, "the run should have sustained some load"

    bronze = bronze_lines(settings.home)
    assert len(bronze) == res.acked, "Bronze holds the acknowledged events, nothing else"

    refine(settings)
    table = load_events_table(settings)
    assert table is not None
    ids = table.scan(selected_fields=("event_id",)).to_arrow().column("event_id")
    assert len(ids) == res.acked
    assert pc.count_distinct(ids).as_py() == res.acked
    assert set(ids.to_pylist()) == sent_ids(bodies, res.per_thread)
