"""Load stage: `wrk` on loopback against `serve --workers 2` for BENCH_LOAD_SECONDS (default
60) with BENCH_LOAD_CONNECTIONS (default 16) connections sending generated 50-event
batches as fast as the server answers; then `lakehouse refine`, and a check that Silver
holds every acknowledged event exactly once (acknowledged = Bronze lines = Silver rows =
distinct event ids). Prints requests/s, events/s, p50/p99. Target: p99 < 50 ms.

The correctness of the same load (paced, exact id sets) is a pytest: tests/ingest/test_wrk_load.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pyarrow.compute as pc

from bench.common import Context, Row, console, free_port, lakehouse, wait_healthy
from bench.wrk import BATCH, event_bodies, run_wrk, write_script
from lakehouse.config import load_settings
from lakehouse.ingest.logfile import list_sealed
from lakehouse.silver.tables import load_events_table

SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "16"))
BODIES = 400  # distinct bodies cycled (20k events), each request with fresh event ids


def run(ctx: Context) -> list[Row]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: run `make system-deps` (apt-get install wrk)")
    bodies = event_bodies(ctx.dataset(), BODIES)
    script = write_script(bodies, ctx.workdir / "load.lua", SECONDS)
    home = ctx.workdir / "wrk-lake"  # not "load-lake": the ingest stage bulk-loads there
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = lakehouse("serve", "--port", str(port), "--workers", "2", home=home,
                     start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_healthy(url)
        console.print(f"wrk: {CONNECTIONS} connections, {SECONDS} s, {BATCH}-event batches")
        res = run_wrk(url + "/e", script, SECONDS, CONNECTIONS)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # graceful: seals the open Bronze files
        proc.wait(60)
    settings = load_settings(home)
    bronze = sum(f.lines for f in list_sealed(settings.bronze_dir, verify=True))
    t = time.perf_counter()
    refined = lakehouse("refine", home=home, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _ = refined.communicate()
    refine_s = time.perf_counter() - t
    if refined.returncode != 0:
        raise RuntimeError(f"lakehouse refine failed: {out!r}")
    table = load_events_table(settings)
    ids = table.scan(selected_fields=("event_id",)).to_arrow().column("event_id") if table else None
    silver = len(ids) if ids is not None else 0
    distinct = pc.count_distinct(ids).as_py() if ids is not None else 0
    errors = res.non2xx + res.socket_errors + res.timeouts + (res.sent - res.ok)
    exact = errors == 0 and res.acked == bronze == silver == distinct
    check = "exact" if exact else "MISMATCH!"
    note = (
        f"{res.ok / res.seconds:,.0f} req/s, {CONNECTIONS} conns; errors={errors}; "
        f"acked={res.acked:,} bronze={bronze:,} silver={silver:,} distinct={distinct:,} ({check}); "
        f"refine {refine_s:.1f} s"
    )
    console.print(note)
    row = Row(f"load: wrk → POST /e, 2 workers, {SECONDS} s", res.acked, res.seconds, res.p50_ms,
              res.p99_ms, target="p99<50ms, 0 errors, acked = Silver", note=note)  # fmt: skip
    return [row]
