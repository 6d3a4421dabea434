"""Near-real-time refresh benchmark (LAKE-4): `lakehouse refresh --nrt` against the
incremental `lakehouse build` it stands in for, and against its own SQL run bare.

On the generated dataset, in one lake, with the clock frozen late on the last day
(`LAKEHOUSE_NOW`, so "today" is that day):
1. load + refine every day but the last, first build without tests (setup, not reported);
2. load + refine the last day (reported: the part both paths share);
3. `lakehouse refresh --nrt` (CLI wall; its refine finds nothing new) — REPEATS times,
   alternated with the floor, median;
4. floor: the compiled SQL of the models that refresh ran (staging views + nrt tables, from
   its manifest), bare in DuckDB into a fresh file over the same Silver snapshot;
5. the incremental `lakehouse build` of the same day (with its data tests, as users run it).

Not in the default `python -m bench` stages; run `python -m bench --stages nrt --events N`
or `python -m bench.nrt --events N`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from pathlib import Path

from bench.build import (
    _cli,
    _event_day,
    _manifest_nodes,
    bare_gold,
    build_child,
    create_bare,
    split_last_day,
)
from bench.common import Context, Row, console, print_table

REPEATS = 3
TARGET = "≤0.25 of incremental build"


def _last_day(late: Path) -> str:
    with late.open("rb") as f:
        return min(d for line in f if (d := _event_day(line)))


def bare_nrt(home: Path, scratch: Path) -> tuple[float, int]:
    """(seconds, models): the last refresh's compiled model SQL, bare, into a fresh file."""
    models = [m for m in _manifest_nodes(home)[0] if m.get("compiled_code")]
    con = bare_gold(scratch / "bare-nrt.duckdb", {m["schema"] for m in models})
    started = time.perf_counter()
    for m in models:
        create_bare(con, m)
    con.execute("CHECKPOINT gold")
    seconds = time.perf_counter() - started
    con.close()
    return seconds, len(models)


def measure(dataset: Path, workdir: Path) -> list[Row]:
    from lakehouse.clock import NOW_ENV

    home = workdir / "nrt-lake"
    early, late, n_early, n_late, *_clocks = split_last_day(dataset, workdir)
    day = _last_day(late)
    saved = os.environ.get(NOW_ENV)
    os.environ[NOW_ENV] = f"{day}T23:30:00Z"  # children inherit it
    try:
        _cli(home, "load", str(early))
        _cli(home, "refine")
        build_child(home, full_refresh=True, exclude="resource_type:test resource_type:unit_test")
        console.print(f"nrt: {n_early:,} events of the earlier days built; today = {day}")
        _cli(home, "load", str(late))
        refine_s, refine_peak, _ = _cli(home, "refine")
        runs, floors = [], []
        for _ in range(REPEATS):
            seconds, peak, out = _cli(home, "refresh", "--nrt")
            runs.append((seconds, peak, out.strip()))
            floors.append(bare_nrt(home, workdir))
        refresh_s, refresh_peak, refresh_out = sorted(runs)[REPEATS // 2]
        floor_s = statistics.median(s for s, _ in floors)
        n_models = floors[-1][1]
        inc = build_child(home)
    finally:
        if saved is None:
            os.environ.pop(NOW_ENV, None)
        else:
            os.environ[NOW_ENV] = saved
    today = re.search(r"(\d+) events and (\d+) dead letters today", refresh_out)
    n_today = f"{int(today[1]):,} events, {int(today[2]):,} dead letters today" if today else ""
    return [
        Row("refine the new day (shared by both paths)", n_late, refine_s,
            peak_rss_mb=refine_peak, note="CLI wall"),
        Row("refresh --nrt (today's views, CLI wall)", n_late, refresh_s,
            ratio=refresh_s / inc["seconds"], ratio_label="of incremental build", target=TARGET,
            peak_rss_mb=refresh_peak,
            note=f"median of {REPEATS}; {n_today}; incl. dbt start-up and parse"),
        Row("refresh --nrt floor: its model SQL bare in DuckDB", n_late, floor_s,
            ratio=refresh_s / floor_s if floor_s else None, ratio_label="refresh ÷ floor",
            note=f"median of {REPEATS}; {n_models} models (staging views + nrt tables)"),
        Row("build incremental: the same new day", n_late, inc["seconds"],
            peak_rss_mb=inc["peak_rss_mb"], note="models + data/unit tests, what refresh avoids"),
    ]  # fmt: skip


def run(ctx: Context) -> list[Row]:
    return measure(ctx.dataset(), ctx.workdir)


def main() -> None:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=200_000, help="generated events (default 200k)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-nrt-") as tmp:
        ctx = Context(Path(tmp), args.events)
        print_table(run(ctx), f"refresh --nrt — {args.events:,} generated events")


if __name__ == "__main__":
    main()
