"""Tombstones: the salted hashes of every id a DSAR deleted, so they stay deleted.

One JSON line per request under `privacy/tombstones.jsonl`. Refine reads the set and
drops any new event whose user, anon or device id hashes into it (a late event must
not resurrect a deleted user).
"""

from __future__ import annotations

import os

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from lakehouse.config import Settings

TOMBSTONES_FILE = "tombstones.jsonl"
ID_COLUMNS = ("user_id", "anon_id", "device_id")


def add(settings: Settings, request_id: str, at: str, hashes: list[str]) -> None:
    settings.privacy_dir.mkdir(parents=True, exist_ok=True)
    line = orjson.dumps({"request_id": request_id, "at": at, "id_hashes": hashes})
    fd = os.open(
        settings.privacy_dir / TOMBSTONES_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644
    )
    try:
        os.write(fd, line + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)


def hashes(settings: Settings) -> set[str]:
    """Every tombstoned id hash of this lake (empty when nothing was ever deleted)."""
    path = settings.privacy_dir / TOMBSTONES_FILE
    if not path.is_file():
        return set()
    out: set[str] = set()
    for line in path.read_bytes().splitlines():
        if line.strip():
            out.update(orjson.loads(line)["id_hashes"])
    return out


def tombstoned_rows(
    con: duckdb.DuckDBPyConnection, rows: pa.Table, salt_hex: str, dead: set[str]
) -> pa.Array | None:
    """A mask over `rows` (Silver columns) of events whose user, anon or device id is
    tombstoned, or None when there is none. Hashing runs in DuckDB, in row order."""
    if not dead or rows.num_rows == 0:
        return None
    con.register("tomb_rows", rows.select(list(ID_COLUMNS)))
    con.register("tomb_hashes", pa.table({"h": pa.array(sorted(dead), pa.string())}))
    try:
        checks = " OR ".join(
            f"coalesce(sha256({_q(salt_hex)} || {c}) IN (SELECT h FROM tomb_hashes), false)"
            for c in ID_COLUMNS
        )
        mask = con.execute(f"SELECT {checks} AS dead FROM tomb_rows").to_arrow_table().column(0)
    finally:
        con.unregister("tomb_rows")
        con.unregister("tomb_hashes")
    combined = mask.combine_chunks()
    return combined if pc.any(combined).as_py() else None


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
