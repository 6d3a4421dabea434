"""Ingest benchmark (issue: foundation).

HTTP: `serve --workers 2`, loaded by `wrk` (a separate process) on loopback with
50-event batches built from generated events; in the same run the same load hits the
bare endpoint on the same server stack (orjson parse + append, no validation, no
fsync). Reports events/s, p50/p99 and the ratio. Bulk: `lakehouse load` on one core.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import orjson

from bench.common import (
    Context,
    Row,
    child_peak_rss_mb,
    console,
    free_port,
    lakehouse,
    wait_healthy,
)

BATCH = 50
BODIES = 400  # distinct bodies wrk cycles through (20k events)
DURATION_S = int(os.environ.get("BENCH_WRK_SECONDS", "15"))
CONNECTIONS = 16


def _lua(dataset: Path, out: Path) -> Path:
    events = []
    with open(dataset, "rb") as fh:
        for line in fh:
            try:
                orjson.loads(line)  # whole-array bodies need each element to be JSON
            except orjson.JSONDecodeError:
                continue
            events.append(line.rstrip(b"\n"))
            if len(events) >= BATCH * BODIES:
                break
    bodies = [
        b"[" + b",".join(events[i : i + BATCH]) + b"]"
        for i in range(0, len(events) - BATCH + 1, BATCH)
    ]
    lua = ["bodies = {"]
    lua += ["[==[" + b.decode() + "]==]," for b in bodies]
    lua += ["}", "n = 0", "request = function()", "  n = n + 1",
            '  return wrk.format("POST", nil, {["Content-Type"]="application/json"}, bodies[(n % #bodies) + 1])',
            "end"]  # fmt: skip
    out.write_text("\n".join(lua))
    return out


_LAT = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def _wrk(url: str, script: Path, seconds: int) -> tuple[float, float, float, str]:
    res = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = res.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    lat = {m.group(1): float(m.group(2)) * scale[m.group(3)] for m in _LAT.finditer(out)}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    note = f"{non2xx.group(1)} non-2xx!" if non2xx else ""
    return rps, lat.get("50", 0.0), lat.get("99", 0.0), note


def run(ctx: Context) -> list[Row]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: run `make system-deps` (apt-get install wrk)")
    dataset = ctx.dataset()
    script = _lua(dataset, ctx.workdir / "post.lua")
    home = ctx.workdir / "ingest-lake"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = lakehouse("serve", "--port", str(port), "--workers", "2", "--bench-bare", home=home,
                     start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    rows: list[Row] = []
    try:
        wait_healthy(url)
        _wrk(url + "/_bare", script, 2)  # warm both workers
        _wrk(url + "/e", script, 2)
        console.print(
            f"wrk: {CONNECTIONS} connections, {DURATION_S} s per endpoint, {BATCH}-event batches"
        )
        bare_rps, b50, b99, bnote = _wrk(url + "/_bare", script, DURATION_S)
        rps, p50, p99, note = _wrk(url + "/e", script, DURATION_S)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    bare = Row(
        "ingest floor: bare endpoint (parse+append)",
        int(bare_rps * BATCH * DURATION_S),
        DURATION_S,
        b50,
        b99,
        note=bnote,
    )
    full = Row("ingest HTTP POST /e, 2 workers (validate+fsync)", int(rps * BATCH * DURATION_S), DURATION_S, p50, p99,
               ratio=rps / bare_rps, ratio_label="of bare", target="≥0.5 of bare, ≥40k ev/s, p99<50ms", note=note)  # fmt: skip
    rows += [bare, full]
    if ctx.lean:  # the build stage bulk-loads the dataset and reports it
        return rows

    load_home = ctx.workdir / "load-lake"
    t = time.perf_counter()
    p = lakehouse(
        "load", str(dataset), home=load_home, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    out, _ = p.communicate()
    secs = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"lakehouse load failed: {out!r}")
    counts = dict(kv.split("=") for kv in out.decode().split())
    n = int(counts["accepted"]) + int(counts["rejected"])
    rows.append(
        Row(
            "bulk `lakehouse load` (1 core)",
            n,
            secs,
            peak_rss_mb=child_peak_rss_mb(p),
            note=out.decode().strip(),
        )
    )
    return rows
