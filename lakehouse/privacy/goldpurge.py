"""Gold and caches after a purge: rebuild from the cleaned Silver into a fresh file.

A full-refresh build replaces every model's rows, but DuckDB keeps freed blocks in
its file (and `lakehouse build` starts from a copy of the old file), so deleted rows
could survive as bytes. After the build the database is copied table by table into
a brand-new file (`COPY FROM DATABASE`) that replaces the old one: only live rows
are written. Caches (DuckDB spill files, dbt's compiled target) are deleted; they
are rebuilt on the next run; lines of the shell history that name an id are dropped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lakehouse.config import Settings
from lakehouse.silver.duck import connect
from lakehouse.silver.transform import q
from lakehouse.transform.query import gold_database_path
from lakehouse.transform.runner import build, dbt_dirs

NO_TESTS = "resource_type:test resource_type:unit_test"


def compact(path: Path) -> None:
    """Rewrite the DuckDB file at `path` so it holds live data only (no freed blocks)."""
    fresh = path.with_name(path.name + ".compact")
    fresh.unlink(missing_ok=True)
    con = connect()  # with the iceberg extension: Gold views may read Silver
    try:
        con.execute(f"ATTACH {q(str(path))} AS src (READ_ONLY)")
        con.execute(f"ATTACH {q(str(fresh))} AS dst")
        con.execute("COPY FROM DATABASE src TO dst")
        con.execute("DETACH src")
        con.execute("DETACH dst")
    finally:
        con.close()
    os.replace(fresh, path)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def rebuild(settings: Settings, run_tests: bool = False) -> bool:
    """Full-refresh Gold from the current Silver and compact it; False when there is no Gold."""
    if settings.target == "prod":
        return False
    gold = gold_database_path(settings)
    if not gold.is_file():
        return False
    build(settings, full_refresh=True, exclude=None if run_tests else NO_TESTS)
    compact(gold)
    return True


# Text files under the lake that people type ids into (e.g. `lakehouse shell` history).
TYPED_FILES = ("shell_history",)


def scrub_typed(settings: Settings, ids: list[str]) -> int:
    """Drop every line that names an id from the typed-text files; the lines dropped."""
    dropped = 0
    needles = [i.encode() for i in ids]
    for name in TYPED_FILES:
        path = settings.state_dir / name
        if not path.is_file():
            continue
        lines = path.read_bytes().splitlines(keepends=True)
        keep = [ln for ln in lines if not any(n in ln for n in needles)]
        if len(keep) != len(lines):
            dropped += len(lines) - len(keep)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(b"".join(keep))
            os.replace(tmp, path)
    return dropped


def clear_caches(settings: Settings) -> list[str]:
    """Delete derived caches that may hold copies of rows; the paths removed."""
    removed = []
    target, _logs = dbt_dirs(settings)
    candidates = [settings.state_dir / "duckdb_tmp", target]
    gold = gold_database_path(settings)
    candidates += [
        gold.with_name(gold.name + s) for s in (".building", ".building.wal", ".compact")
    ]
    if settings.target == "dev":  # the ci target's temporary Gold is a throwaway copy
        candidates.append(settings.home / "tmp" / "gold-ci.duckdb")
    for path in candidates:
        if path.is_dir():
            shutil.rmtree(path)
            removed.append(str(path))
        elif path.exists():
            path.unlink()
            removed.append(str(path))
    return removed
