"""Shared benchmark plumbing: a generated dataset, result rows, the printed table."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
console = Console(width=180)


@dataclass
class Row:
    stage: str
    events: int
    seconds: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    ratio: float | None = None  # against the floor measured in the same run
    ratio_label: str = ""
    target: str = ""
    peak_rss_mb: float | None = None
    note: str = ""

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class Context:
    workdir: Path
    events: int
    seed: int = 7
    rows: list[Row] = field(default_factory=list)
    # where generated datasets are kept between runs (--cache); None: this run's workdir
    cache: Path | None = None
    # a lake with Bronze, Silver and a full Gold of the whole dataset, set by the build
    # stage so the dashboard stage need not load, refine and build it a second time
    built_lake: Path | None = None
    # bench-scale: every event is loaded and refined once (by the build stage), and the
    # models-only build, which only splits a figure further, is left out
    lean: bool = False
    _dataset: Path | None = None

    def dataset(self) -> Path:
        """One generated NDJSON file per run, shared by every stage (reused from --cache)."""
        if self._dataset is None:
            from lakehouse.simulate import generate
            from lakehouse.simulate.truth import truth_path

            out = (self.cache or self.workdir) / f"events-{self.events}-seed{self.seed}.ndjson"
            if out.exists() and truth_path(out).exists():  # the truth is written last: out is whole
                console.print(f"reusing {out} ({out.stat().st_size / 1e9:.2f} GB)")
                self._dataset = out
                return out
            out.parent.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            generate(self.events, self.seed, out)
            console.print(
                f"generated {self.events:,} events in {time.perf_counter() - t:.1f} s → {out}"
            )
            self._dataset = out
        return self._dataset


def drop_page_cache(root: Path) -> None:
    """Evict every file under `root` from the page cache (posix_fadvise DONTNEED).

    Ingest drops Bronze pages once they are durable (`_syncer.c`), so refine reads Bronze
    from disk; a floor timed over the same files must start from the same cold cache, or
    it measures the cache rather than the engine. The files are clean (fsynced at seal),
    so the kernel can drop them."""
    for path in root.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A child's peak RSS is its VmHWM, read by the child itself as it exits. Not ru_maxrss:
# Linux carries that across fork+exec, so every child of a bench process that holds a
# multi-GB dataset in memory would report the parent's size as its own.
PEAK_RSS_MB = (
    "next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) / 1024"
)
_CLI = f"""
import atexit, os, runpy, sys
atexit.register(lambda: open(os.environ["BENCH_PEAK_FILE"], "w").write(str({PEAK_RSS_MB})))
sys.argv = ["lakehouse", *sys.argv[1:]]
runpy.run_module("lakehouse.cli", run_name="__main__")
"""
_peak_files: dict[int, Path] = {}


def lakehouse(
    *args: str, home: Path, extra_env: dict[str, str] | None = None, **kw: object
) -> subprocess.Popen[bytes]:
    """`lakehouse ARGS` in a child process (with `extra_env` set); `child_peak_rss_mb(proc)`
    after it ends."""
    fd, peak = tempfile.mkstemp(prefix="bench-peak-")
    os.close(fd)
    env = {**os.environ, **(extra_env or {}), "LAKEHOUSE_HOME": str(home), "BENCH_PEAK_FILE": peak}
    proc = subprocess.Popen([sys.executable, "-c", _CLI, *args], env=env, cwd=ROOT, **kw)  # type: ignore[call-overload]
    _peak_files[proc.pid] = Path(peak)
    return proc


def child_peak_rss_mb(proc: subprocess.Popen[bytes]) -> float | None:
    """The peak RSS of a finished `lakehouse(...)` child (None if it died before writing it)."""
    path = _peak_files.pop(proc.pid)
    text = path.read_text() if path.exists() else ""
    path.unlink(missing_ok=True)
    return float(text) if text else None


def wait_healthy(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


def fmt(v: float | None, spec: str) -> str:
    return "" if v is None else format(v, spec)


def print_table(rows: list[Row], title: str) -> str:
    table = Table(title=title)
    for col in (
        "stage",
        "events",
        "wall s",
        "events/s",
        "p50 ms",
        "p99 ms",
        "vs floor",
        "target",
        "peak RSS MB",
        "note",
    ):
        table.add_column(
            col, justify="left" if col in ("stage", "target", "note", "vs floor") else "right"
        )
    lines = [
        "| stage | events | wall s | events/s | p50 ms | p99 ms | vs floor | target | peak RSS MB | note |",
        "|" + "---|" * 10,
    ]
    for r in rows:
        ratio = f"{r.ratio:.2f} {r.ratio_label}".strip() if r.ratio is not None else ""
        cells = [r.stage, f"{r.events:,}", f"{r.seconds:.2f}", f"{r.events_per_s:,.0f}", fmt(r.p50_ms, ".1f"),
                 fmt(r.p99_ms, ".1f"), ratio, r.target, fmt(r.peak_rss_mb, ".0f"), r.note]  # fmt: skip
        table.add_row(*cells)
        lines.append("| " + " | ".join(cells) + " |")
    console.print(table)
    return "\n".join(lines)


def run_child(code: str, *args: str, what: str) -> dict[str, Any]:
    """Python `code` in a fresh interpreter in the repository, its last stdout line parsed
    as JSON: each measured part starts cold and its peak RSS is its own. A failure raises
    with the end of the child's stderr, naming `what` ran."""
    res = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, check=False
    )
    if res.returncode != 0:
        raise RuntimeError(f"{what} failed: {res.stderr.decode()[-3000:]}")
    out: dict[str, Any] = orjson.loads(res.stdout.splitlines()[-1])
    return out
