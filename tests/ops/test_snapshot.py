"""The ops snapshot dbt reads: full schemas when empty, DLQ lines, Bronze files, drift digests."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson

from lakehouse.config import Settings
from lakehouse.ingest.loader import load_files
from lakehouse.observability.snapshot import take_snapshot
from tests.conftest import fresh, valid_examples


def _read(path: Path) -> list[tuple[object, ...]]:
    return duckdb.sql(f"select * from read_parquet('{path}')").fetchall()


def test_an_empty_lake_gets_four_empty_files_with_their_columns(settings: Settings) -> None:
    snap = take_snapshot(settings)
    assert snap.rows == {"runs": 0, "dead_letters": 0, "bronze_files": 0, "unknown_fields": 0}
    cols = duckdb.sql(f"describe select * from read_parquet('{snap.directory}/runs.parquet')")
    assert [r[0] for r in cols.fetchall()][:3] == ["run_id", "stage", "started_at"]


def test_dlq_lines_bronze_files_and_unknown_fields(settings: Settings, tmp_path: Path) -> None:
    event = fresh(valid_examples()[0])
    drifted = fresh(valid_examples()[0]) | {"brand_new": 1}
    src = tmp_path / "in.ndjson"
    src.write_bytes(b"\n".join([orjson.dumps(event), orjson.dumps(drifted), b"{oops"]) + b"\n")
    load_files(settings, [src])
    snap = take_snapshot(settings)
    assert snap.rows == {"runs": 1, "dead_letters": 1, "bronze_files": 1, "unknown_fields": 1}
    ((reason, line_no),) = duckdb.sql(
        f"select reason, line_no from read_parquet('{snap.directory}/dead_letters.parquet')"
    ).fetchall()
    assert (reason, line_no) == ("invalid_json", 1)
    ((name, field, n),) = duckdb.sql(
        f"""select event_name, field_name, n_events
            from read_parquet('{snap.directory}/unknown_fields.parquet')"""
    ).fetchall()
    assert (name, field, n) == (event["event_name"], "brand_new", 1)
    ((lines,),) = duckdb.sql(
        f"select n_lines from read_parquet('{snap.directory}/bronze_files.parquet')"
    ).fetchall()
    assert lines == 2


def test_each_bronze_file_is_digested_once(settings: Settings, tmp_path: Path) -> None:
    src = tmp_path / "in.ndjson"
    src.write_bytes(orjson.dumps(fresh(valid_examples()[0]) | {"extra": True}) + b"\n")
    load_files(settings, [src])
    take_snapshot(settings)
    load_files(settings, [src])  # a second Bronze file (the same event again)
    snap = take_snapshot(settings)
    assert snap.rows["unknown_fields"] == 2  # one row per Bronze file, not re-counted
