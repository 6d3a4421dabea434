"""The run log (OBS-1): one NDJSON line per pipeline run, appended to `<home>/ops/runs.ndjson`.

Every `load`, `refine`, `build`, `refresh --nrt` and `analyze` records its stage, start
and end, rows in and out and whether it succeeded. Append-only under an exclusive lock and fsync-ed,
so concurrent stages never interleave lines and a crash loses at most the run that
was being written. `lakehouse build` snapshots it for Gold (`ops_run_log`).

    with record_run(settings, "analyze") as run:
        ...
        run.rows_in, run.rows_out = n_read, n_written
"""

from __future__ import annotations

import fcntl
import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import orjson

from lakehouse.clock import now_ts
from lakehouse.config import Settings
from lakehouse.ids import new_ulid

STAGES = ("load", "refine", "build", "refresh", "analyze")  # refresh: `lakehouse refresh --nrt`
RUNS_FILE = "runs.ndjson"

P = ParamSpec("P")
R = TypeVar("R")


def ops_dir(settings: Settings) -> Path:
    return settings.home / "ops"


def runs_path(settings: Settings) -> Path:
    return ops_dir(settings) / RUNS_FILE


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Run:
    """One run in progress; the stage sets rows_in/rows_out (and may add a note)."""

    run_id: str
    stage: str
    started_at: str
    ended_at: str | None = None
    seconds: float = 0.0
    rows_in: int = 0
    rows_out: int = 0
    status: str = "running"  # ok | failed once recorded
    error: str = ""
    note: str = ""


def append_run(settings: Settings, run: Run) -> None:
    """Append one finished run as a line (locked, fsync-ed)."""
    path = runs_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = orjson.dumps(asdict(run)) + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def record_run(settings: Settings, stage: str, note: str = "") -> Iterator[Run]:
    """Time the block and append its run line: status ok, or failed with the error."""
    if stage not in STAGES:
        raise ValueError(f"stage {stage!r} is not one of {', '.join(STAGES)}")
    started = now_ts()
    clock = time.perf_counter()
    run = Run(run_id="run_" + new_ulid(started), stage=stage, started_at=_iso(started), note=note)
    try:
        yield run
    except BaseException as exc:
        run.status = "failed"
        run.error = " ".join(str(exc).split())[:500] or type(exc).__name__
        raise
    else:
        run.status = "ok"
    finally:
        run.seconds = round(time.perf_counter() - clock, 3)
        # A frozen clock (LAKEHOUSE_NOW) still shows how long the run took.
        run.ended_at = _iso(max(now_ts(), started + run.seconds))
        append_run(settings, run)


def recorded(
    stage: str, rows: Callable[[Any], tuple[int, int]]
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a stage function whose first argument is `Settings`: every call is a run,
    with rows in/out read from its result by `rows`."""

    def wrap(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def run_stage(*args: P.args, **kwargs: P.kwargs) -> R:
            settings = args[0] if args else kwargs["settings"]
            assert isinstance(settings, Settings)
            with record_run(settings, stage) as run:
                result = fn(*args, **kwargs)
                run.rows_in, run.rows_out = rows(result)
                run.note = str(getattr(result, "message", "") or "")
            return result

        return run_stage

    return wrap


def read_runs(settings: Settings) -> list[dict[str, Any]]:
    """Every recorded run, oldest first (a torn last line from a crash is skipped)."""
    path = runs_path(settings)
    if not path.exists():
        return []
    out = []
    for line in path.read_bytes().splitlines():
        try:
            out.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            continue
    return out
