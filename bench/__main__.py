"""`python -m bench [--events N] [--stages a,b]` — run benchmarks, print and save the table."""

from __future__ import annotations

import argparse
import importlib
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, Context, console, print_table

# Stage modules in pipeline order; each has run(ctx) -> list[Row].
STAGES = ["ingest", "load", "refine", "build", "analyze", "dashboard"]
# --lean (make bench-scale): the build stage loads and refines the dataset once and reports
# both with refine's floor; the ingest stage measures HTTP only (wrk is time-bounded).
LEAN_STAGES = ["ingest", "build", "analyze", "dashboard"]
# Stages whose module is named for what it owns rather than the stage.
MODULES = {"analyze": "experiments"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--events", type=int, default=200_000, help="generated events per run (default 200k)"
    )
    ap.add_argument("--stages", help=f"comma list of {STAGES} (default: all; lean: {LEAN_STAGES})")
    ap.add_argument(
        "--lean",
        action="store_true",
        help="for 100M events: load and refine once in the build stage, skip the models-only build",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        help="keep the generated dataset in this folder and reuse it on later runs",
    )
    args = ap.parse_args()
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-", dir=args.cache) as tmp:
        ctx = Context(Path(tmp), args.events, cache=args.cache, lean=args.lean)
        stages = args.stages or ",".join(LEAN_STAGES if args.lean else STAGES)
        started = time.perf_counter()
        for name in stages.split(","):
            console.rule(f"stage: {name}")
            ctx.rows += importlib.import_module(f"bench.{MODULES.get(name, name)}").run(ctx)
        title = f"Lakehouse bench — {args.events:,} generated events, {platform.node()}, {time.perf_counter() - started:.0f} s"
        md = print_table(ctx.rows, title)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    out = ROOT / "bench" / "results" / f"{stamp}-{args.events}.md"
    out.write_text(f"# {title}\n\n{md}\n")
    console.print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
