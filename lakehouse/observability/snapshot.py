"""What Gold needs from outside Silver, frozen into small Parquet files before each build.

The run log, the DLQ and the Bronze manifests are not Iceberg tables, and Silver drops
undeclared fields (ING-4). So `lakehouse build` first writes `<home>/ops/snapshot/`:

- `runs.parquet`           every run-log line (OBS-1);
- `dead_letters.parquet`   one row per DLQ line, without the raw bytes (they may hold PII);
- `bronze_files.parquet`   every sealed Bronze file: arrival hour and line count;
- `unknown_fields.parquet` per Bronze file × schema × event hour × undeclared field, the
  distinct events carrying it (drift, OBS-4); digested once per Bronze file.

dbt reads them as the `ops` source through staging models. Each file always exists
with its full schema, so an empty lake (no DLQ, no runs yet) builds zero-row tables
instead of failing. Files are written to a temp name and renamed: a reader sees the
previous snapshot or the new one, never half of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from lakehouse.config import Settings
from lakehouse.ingest.logfile import SealedFile, list_sealed
from lakehouse.observability.runlog import ops_dir, read_runs

TS = pa.timestamp("us", tz="UTC")
RUNS = pa.schema([
    ("run_id", pa.string()), ("stage", pa.string()), ("started_at", TS), ("ended_at", TS),
    ("seconds", pa.float64()), ("rows_in", pa.int64()), ("rows_out", pa.int64()),
    ("status", pa.string()), ("error", pa.string()),
])  # fmt: skip
DEAD_LETTERS = pa.schema([
    ("dlq_file", pa.string()), ("line_no", pa.int64()), ("received_at", TS),
    ("reason", pa.string()), ("pointer", pa.string()), ("event_name", pa.string()),
    ("origin", pa.string()),
])  # fmt: skip
BRONZE_FILES = pa.schema([
    ("bronze_file", pa.string()), ("arrival_hour", TS), ("n_lines", pa.int64()),
    ("n_bytes", pa.int64()),
])  # fmt: skip
UNKNOWN_FIELDS = pa.schema([
    ("bronze_file", pa.string()), ("event_name", pa.string()), ("event_version", pa.int64()),
    ("event_hour", TS), ("field_name", pa.string()), ("n_events", pa.int64()),
])  # fmt: skip


@dataclass(frozen=True)
class Snapshot:
    """Where the snapshot lives and how many rows each file got."""

    directory: Path
    rows: dict[str, int]


def snapshot_dir(settings: Settings) -> Path:
    return ops_dir(settings) / "snapshot"


def take_snapshot(settings: Settings) -> Snapshot:
    """Write the four ops files for the next build; cheap except for new Bronze files."""
    out = snapshot_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    bronze = list_sealed(settings.bronze_dir)
    tables = {
        "runs": _runs(settings),
        "dead_letters": _dead_letters(list_sealed(settings.dlq_dir)),
        "bronze_files": _bronze_files(bronze),
        "unknown_fields": _unknown_fields(out / "unknown_fields.parquet", bronze),
    }
    for name, table in tables.items():
        _write(table, out / f"{name}.parquet")
    return Snapshot(out, {name: t.num_rows for name, t in tables.items()})


def _write(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def _ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _runs(settings: Settings) -> pa.Table:
    rows = read_runs(settings)
    cols = {name: [r.get(name) for r in rows] for name in RUNS.names}
    cols["started_at"] = [_ts(v) for v in cols["started_at"]]
    cols["ended_at"] = [_ts(v) for v in cols["ended_at"]]
    return pa.table(cols, schema=RUNS)


def _dead_letters(files: list[SealedFile]) -> pa.Table:
    cols: dict[str, list[object]] = {name: [] for name in DEAD_LETTERS.names}
    for f in files:
        with open(f.path, "rb") as fh:
            for n, line in enumerate(fh, start=1):
                rec = orjson.loads(line)
                cols["dlq_file"].append(f.rel)
                cols["line_no"].append(n)
                cols["received_at"].append(_ts(rec.get("received_at")))
                for key in ("reason", "pointer", "event_name", "origin"):
                    cols[key].append(rec.get(key))
    return pa.table(cols, schema=DEAD_LETTERS)


def _arrival_hour(rel: str) -> datetime:
    """`event_dt=2026-11-02/hour=08/…` → 2026-11-02 08:00 UTC (Bronze folders are arrival time)."""
    dt_part, hour_part = rel.split("/")[:2]
    day = dt_part.split("=", 1)[1]
    hour = int(hour_part.split("=", 1)[1])
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _bronze_files(files: list[SealedFile]) -> pa.Table:
    return pa.table(
        {
            "bronze_file": [f.rel for f in files],
            "arrival_hour": [_arrival_hour(f.rel) for f in files],
            "n_lines": [f.lines for f in files],
            "n_bytes": [f.bytes for f in files],
        },
        schema=BRONZE_FILES,
    )


def _unknown_fields(previous: Path, files: list[SealedFile]) -> pa.Table:
    """Earlier digests plus the Bronze files not digested yet (sealed files never change)."""
    old = pq.read_table(previous, schema=UNKNOWN_FIELDS) if previous.exists() else None
    done = set(old.column("bronze_file").to_pylist()) if old is not None else set()
    # A file without unknown fields leaves no row, so remember digested files apart.
    ledger = previous.with_name("unknown_fields.digested.json")
    if ledger.exists():
        done |= set(orjson.loads(ledger.read_bytes()))
    todo = [f for f in files if f.rel not in done]
    parts = [old] if old is not None else []
    if todo:
        parts.append(_digest(todo))
    table = pa.concat_tables(parts) if parts else UNKNOWN_FIELDS.empty_table()
    ledger_tmp = ledger.with_name(ledger.name + ".tmp")
    ledger_tmp.write_bytes(orjson.dumps(sorted(done | {f.rel for f in todo})))
    ledger_tmp.replace(ledger)
    return table


def _digest(files: list[SealedFile]) -> pa.Table:
    listing = "[" + ", ".join("'" + str(f.path).replace("'", "''") + "'" for f in files) + "]"
    rels = "[" + ", ".join("'" + f.rel.replace("'", "''") + "'" for f in files) + "]"
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        return (
            con.execute(
                f"""
            WITH flagged AS (
                SELECT ({rels})[CAST(file_index AS BIGINT) + 1] AS bronze_file,
                       _unknown_fields AS unk, event
                FROM read_ndjson({listing}, format = 'newline_delimited', hive_partitioning = false,
                     columns = {{'_unknown_fields': 'VARCHAR[]', 'event': 'JSON'}})
                WHERE len(_unknown_fields) > 0
            ),
            fields AS (SELECT bronze_file, event, unnest(unk) AS field_name FROM flagged)
            SELECT bronze_file,
                   json_extract_string(event, '$.event_name') AS event_name,
                   TRY_CAST(json_extract(event, '$.event_version') AS BIGINT) AS event_version,
                   date_trunc('hour', TRY_CAST(json_extract_string(event, '$.event_ts') AS TIMESTAMPTZ))
                       AS event_hour,
                   field_name,
                   -- a duplicate delivery in the same file is the same event (Silver keeps one)
                   count(DISTINCT json_extract_string(event, '$.event_id')) AS n_events
            FROM fields
            GROUP BY ALL
            ORDER BY ALL
            """
            )
            .to_arrow_table()
            .cast(UNKNOWN_FIELDS)
        )
    finally:
        con.close()
