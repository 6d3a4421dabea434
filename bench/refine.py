"""Refine benchmark (issue: Silver, LAKE-2).

Floor: DuckDB's own `read_ndjson → COPY … (FORMAT parquet, PARTITION_BY event_dt)`
over the same sealed Bronze files (event_dt = UTC date of event_ts). Measured right
before and right after refine; the ratio is against their mean (the machine is shared).
Refine runs `lakehouse.silver.refine.refine` in a child process on a fresh Silver and is
timed as it times itself (the floor, too, leaves out interpreter start-up). Both start
from a cold page cache for Bronze, as refine does after ingest (which drops Bronze pages
once durable).

Standalone on an existing lake: `python -m bench.refine --home <LAKEHOUSE_HOME>`.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import (
    PEAK_RSS_MB,
    Context,
    Row,
    console,
    drop_page_cache,
    lakehouse,
    print_table,
    run_child,
)

TARGET = "≥0.5 of DuckDB COPY"
_CHILD = """
import sys, orjson
from lakehouse.config import load_settings
from lakehouse.silver.refine import refine
r = refine(load_settings(sys.argv[1]))
print(orjson.dumps({"rows_in": r.rows_in, "rows_written": r.rows_written, "seconds": r.seconds,
                    "batches": r.batches, "phases": r.phase_seconds, "peak_rss_mb": PEAK}).decode())
""".replace("PEAK", PEAK_RSS_MB)


def _bronze_lake(ctx: Context) -> Path:
    """A lake holding the generated dataset in Bronze (the ingest stage's, if it ran)."""
    home = ctx.workdir / "load-lake"
    if not (home / "bronze").is_dir():
        p = lakehouse(
            "load", str(ctx.dataset()), home=home, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"lakehouse load failed: {err.decode()}")
    return home


def refine_seconds(summary: str) -> float:
    """The seconds `lakehouse refine` reports for itself (`seconds=…` in its summary)."""
    found = re.search(r"\bseconds=([0-9.]+)", summary)
    if found is None:  # a changed summary must not silently turn the row into wall time
        raise RuntimeError(f"no seconds= in the refine summary: {summary!r}")
    return float(found.group(1))


def floor_copy(home: Path, out: Path) -> tuple[int, float]:
    """DuckDB read_ndjson → partitioned Parquet over the sealed Bronze files: (rows, seconds)."""
    import duckdb

    from lakehouse.ingest.logfile import list_sealed
    from lakehouse.silver.transform import sql_list

    files = sql_list([str(f.path) for f in list_sealed(home / "bronze")])
    shutil.rmtree(out, ignore_errors=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    drop_page_cache(home / "bronze")
    t = time.perf_counter()
    row = con.execute(
        f"""COPY (
            SELECT *, CAST(CAST(event->>'$.event_ts' AS TIMESTAMPTZ) AS DATE) AS event_dt
            FROM read_ndjson({files}, columns = {{'received_at': 'TIMESTAMPTZ', 'batch_id': 'VARCHAR',
                             '_unknown_fields': 'VARCHAR[]', 'event': 'JSON'}}, hive_partitioning = false)
        ) TO '{out}' (FORMAT parquet, PARTITION_BY (event_dt))"""
    ).fetchone()
    secs = time.perf_counter() - t
    con.close()
    shutil.rmtree(out, ignore_errors=True)
    return int(row[0]) if row else 0, secs


def refine_child(home: Path) -> dict[str, object]:
    """Refine `home` from scratch in a child process; its result as a dict."""

    for stale in (home / "silver", home / "state", home / "catalog.db"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    drop_page_cache(home / "bronze")
    return run_child(_CHILD, str(home), what="refine")


def measure(home: Path, scratch: Path) -> list[Row]:
    n1, f1 = floor_copy(home, scratch / "floor")
    result = refine_child(home)
    _, f2 = floor_copy(home, scratch / "floor")
    floor_s = (f1 + f2) / 2
    secs = float(result["seconds"])  # type: ignore[arg-type]
    rows_in = int(result["rows_in"])  # type: ignore[call-overload]
    floor = Row("refine floor: DuckDB read_ndjson → COPY PARTITION_BY event_dt", n1, floor_s,
                note=f"{f1:.2f} s before, {f2:.2f} s after")  # fmt: skip
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in dict(result["phases"]).items())  # type: ignore[call-overload]
    ratio = (rows_in / secs) / (n1 / floor_s) if secs and floor_s else None
    refined = Row("refine Bronze → lake.events (Iceberg)", rows_in, secs, ratio=ratio, ratio_label="of COPY",
                  target=TARGET, peak_rss_mb=float(result["peak_rss_mb"]),  # type: ignore[arg-type]
                  note=f"{result['batches']} batch(es), written={result['rows_written']}; {phases}")  # fmt: skip
    return [floor, refined]


def run(ctx: Context) -> list[Row]:
    return measure(_bronze_lake(ctx), ctx.workdir)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--home",
        type=Path,
        required=True,
        help="LAKEHOUSE_HOME with Bronze to refine (Silver is rebuilt)",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as tmp:
        rows = measure(args.home.resolve(), Path(tmp))
    print_table(rows, f"refine bench — {args.home}")
    console.print("(the lake's Silver, state/ and catalog.db were rebuilt)")


if __name__ == "__main__":
    main()
