"""Dashboard benchmark (issue: Dashboards, DASH): render time of every page with Streamlit's
AppTest on Gold built from the generated dataset (load → refine → build → analyze).

Per page: cold = Streamlit's caches cleared (the run opens the snapshot and runs every query);
warm = the same run again with connection and results cached. Each page runs once first so
module imports are not charged to it. Median of `--repeats` runs. Target: under 1 s each.
The floor is AppTest running a page that only writes a title, in the same run: AppTest's
own cost (script runner, protobuf tree) is most of a warm render on a busy 2-core machine.

Standalone: `python -m bench.dashboard --events 200000`, or `--home LAKE` for a lake that is
already built (e.g. the one `make demo` leaves in .lakehouse).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Context, Row, console, print_table

PAGES = ("kpis", "funnel", "attribution", "experiments")
TARGET = "< 1 s per page"
SKIP_TESTS = "resource_type:test resource_type:unit_test"


def _lake(workdir: Path, dataset: Path) -> tuple[Path, float]:
    from lakehouse.config import load_settings
    from lakehouse.experiments.pipeline import analyze
    from lakehouse.ingest.loader import load_files
    from lakehouse.silver.refine import refine
    from lakehouse.transform.runner import build

    t = time.perf_counter()
    settings = load_settings(workdir / "dashboard-lake").ensure()
    load_files(settings, [dataset])
    refine(settings)
    build(settings, full_refresh=True, exclude=SKIP_TESTS)
    analyze(settings)
    return settings.home, time.perf_counter() - t


def _render(page: str | Path) -> float:
    from streamlit.testing.v1 import AppTest

    path = page if isinstance(page, Path) else ROOT / "app_pages" / f"{page}.py"
    at = AppTest.from_file(str(path), default_timeout=300)
    t = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].message}")
    return seconds


def measure(home: Path, events: int, repeats: int = 5) -> list[Row]:
    import streamlit as st

    os.environ["LAKEHOUSE_HOME"] = str(home)
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty_page.py"
        empty.write_text('import streamlit as st\n\nst.title("floor")\n')
        _render(empty)
        floor = statistics.median(_render(empty) for _ in range(repeats))
    rows = [Row(stage="dashboard floor: AppTest, title only", events=events, seconds=floor,
                p50_ms=floor * 1000, note=f"median of {repeats}")]  # fmt: skip
    for page in PAGES:
        _render(page)  # imports
        cold, warm = [], []
        for _ in range(repeats):
            st.cache_data.clear()
            st.cache_resource.clear()
            cold.append(_render(page))
            warm.append(_render(page))
        for kind, times in (("cold", cold), ("warm", warm)):
            p50 = statistics.median(times)
            rows.append(Row(stage=f"dashboard {page} ({kind})", events=events, seconds=p50,
                            p50_ms=p50 * 1000, p99_ms=max(times) * 1000, ratio=p50 / floor,
                            ratio_label="× floor", target=TARGET,
                            note=f"median of {repeats}; p99 column = max"))  # fmt: skip
    return rows


def run(ctx: Context) -> list[Row]:
    if ctx.built_lake is not None:  # the build stage's lake: only the experiments are missing
        from lakehouse.config import load_settings
        from lakehouse.experiments.pipeline import analyze

        home = ctx.built_lake
        analyze(load_settings(home))
        console.print(f"dashboard: the build stage's lake {home}, analyzed")
    else:
        home, setup = _lake(ctx.workdir, ctx.dataset())
        console.print(
            f"dashboard lake built in {setup:.1f} s (load, refine, build without tests, analyze)"
        )
    return measure(home, ctx.events)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--home", type=Path, help="an already built lake (skips generate and build)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    if args.home:
        rows = measure(args.home, args.events, args.repeats)
    else:
        with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as tmp:
            ctx = Context(Path(tmp), args.events)
            home, setup = _lake(ctx.workdir, ctx.dataset())
            console.print(f"dashboard lake built in {setup:.1f} s")
            rows = measure(home, args.events, args.repeats)
    print_table(rows, f"Dashboard render times — {args.events:,} generated events")


if __name__ == "__main__":
    main()
