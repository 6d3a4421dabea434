"""A `lakehouse build` killed with SIGKILL mid-model (twice), then run again, ends with
exactly the Gold an uninterrupted build makes; while it runs and after it dies, readers
(the dashboards' published snapshot, `lakehouse query`) see only the previous Gold, whole.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import orjson
import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.dashboard.gold import current, open_snapshot
from lakehouse.ingest.loader import load_files
from lakehouse.silver.refine import refine
from lakehouse.simulate import generate
from lakehouse.transform.runner import _last_build_file, build, dbt_dirs

pytestmark = pytest.mark.fault

ROOT = Path(__file__).resolve().parents[2]
MODELS_ONLY = "resource_type:test resource_type:unit_test"
# Columns that say when a row was built, not what it holds; ops_* tables describe the runs.
VOLATILE = ("gold_built_at",)
TABLES = "select schema_name, table_name from duckdb_tables() order by 1, 2"

Fingerprint = dict[str, tuple[int, int]]


def fingerprint(con: duckdb.DuckDBPyConnection) -> Fingerprint:
    """{table: (rows, sum of row hashes)} for Gold's non-ops/nrt tables, on connection `con`
    whose current database is Gold. Doubles are rounded: summation order may differ."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database() "
        # nrt_* hold the build clock's "today" and refresh time, like ops_* the runs
        "and not starts_with(table_name, 'ops_') and not starts_with(table_name, 'nrt_') "
        "order by 1, 2"
    ).fetchall()
    out: Fingerprint = {}
    for schema, table in tables:
        cols = con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = current_database() "
            "and schema_name = ? and table_name = ? order by column_index",
            [schema, table],
        ).fetchall()
        exprs = [
            f'round("{c}", 6)' if t in ("DOUBLE", "FLOAT") else f'"{c}"'
            for c, t in cols
            if c not in VOLATILE
        ]
        rows, total = con.execute(
            f'select count(*), coalesce(sum(hash(row({", ".join(exprs)}))), 0) from "{schema}"."{table}"'
        ).fetchone()  # type: ignore[misc]
        out[f"{schema}.{table}"] = (int(rows), int(total))
    return out


def file_fingerprint(path: Path) -> Fingerprint:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as g (read_only)")
        con.execute("use g")
        return fingerprint(con)
    finally:
        con.close()


def published_fingerprint(settings: Settings) -> tuple[str, Fingerprint]:
    """What a dashboard page reads right now: the published snapshot's key and contents."""
    snap = current(settings)
    con = open_snapshot(snap, role="admin")
    try:
        return snap.key, fingerprint(con)
    finally:
        con.close()


def cli(settings: Settings, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lakehouse.cli", "--home", str(settings.home), *args],
        cwd=ROOT, env={**os.environ}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def models_done(settings: Settings) -> int:
    log = dbt_dirs(settings)[1] / "dbt.log"
    return log.read_text(errors="replace").count(" OK created ") if log.exists() else 0


def kill_mid_model(settings: Settings, after_models: int, before: tuple[str, Fingerprint]) -> None:
    """Start `lakehouse build`, SIGKILL it once `after_models` more models have finished,
    checking all along that the published snapshot is the previous Gold, unchanged."""
    done_before = models_done(settings)
    proc = cli(settings, "build")
    checked = 0.0
    try:
        while models_done(settings) < done_before + after_models:
            assert proc.poll() is None, f"build ended before the kill point: {proc.stderr}"
            assert current(settings).key == before[0]
            if time.monotonic() - checked > 1.0:  # read it whole now and then (costs CPU)
                assert published_fingerprint(settings) == before
                checked = time.monotonic()
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture
def lake(tmp_path: Path) -> tuple[Settings, Path]:
    """Silver from the first 2/3 of a 3,000-event generated file; the rest is returned."""
    src = tmp_path / "events.ndjson"
    generate(3000, 17, src, start=date(2026, 10, 1), days=4)
    lines = src.read_bytes().splitlines(keepends=True)
    first, rest = tmp_path / "first.ndjson", tmp_path / "rest.ndjson"
    first.write_bytes(b"".join(lines[: 2 * len(lines) // 3]))
    rest.write_bytes(b"".join(lines[2 * len(lines) // 3 :]))
    settings = load_settings(tmp_path / "lake").ensure()
    load_files(settings, [first])
    refine(settings)
    return settings, rest


def test_killed_build_reruns_to_the_uninterrupted_gold(lake: tuple[Settings, Path]) -> None:
    settings, rest = lake
    build(settings, exclude=MODELS_ONLY)  # Gold G0, published
    g0 = published_fingerprint(settings)
    assert g0[1]["main.fact_events"][0] > 1000
    load_files(settings, [rest])
    refine(settings)  # Silver moves on: the next build changes Gold

    # The reference: an uninterrupted incremental build from G0 on this Silver, after
    # which G0 (and the state the next build reads) is put back.
    saved = settings.home / "g0-copy"
    saved.mkdir()
    shutil.copy2(settings.gold_path, saved / "gold.duckdb")
    assert not _last_build_file(settings).exists()  # a models-only build leaves no test scope
    build(settings, exclude=MODELS_ONLY)
    reference = file_fingerprint(settings.gold_path)
    assert reference != g0[1], "the reference build must change Gold for the test to mean anything"
    assert reference["main.fact_events"][0] > g0[1]["main.fact_events"][0]
    shutil.copy2(saved / "gold.duckdb", settings.gold_path)
    g0 = published_fingerprint(settings)  # the restored file is a new snapshot (new inode)
    with duckdb.connect(str(settings.gold_path), read_only=True) as con:
        g0_tables = con.execute(TABLES).fetchall()

    kill_mid_model(settings, after_models=8, before=g0)  # among the staging views
    kill_mid_model(settings, after_models=40, before=g0)  # among the marts
    assert published_fingerprint(settings) == g0  # Gold is still G0, whole
    listing = cli(settings, "query", TABLES, "--format", "json")
    out, err = listing.communicate(timeout=120)
    assert listing.returncode == 0, err
    assert [(r["schema_name"], r["table_name"]) for r in orjson.loads(out)] == g0_tables, (
        "`lakehouse query` sees exactly G0's tables, no partial one"
    )

    build(settings, exclude=MODELS_ONLY)  # the re-run (what `lakehouse build` runs)
    assert file_fingerprint(settings.gold_path) == reference
    assert published_fingerprint(settings)[1] == reference
    assert not settings.gold_path.with_name(settings.gold_path.name + ".building").exists()
