"""The verification scan: does any file under the lake root still hold an id?

Every file's raw bytes are searched. Compressed formats could hide a value from a
byte search, so Parquet, Avro (Iceberg manifests) and DuckDB files are also decoded
and every value searched as text. A hit names the file, so a failed DSAR says where.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lakehouse.silver.duck import connect
from lakehouse.silver.transform import ident, q


@dataclass
class ScanResult:
    files: int = 0
    bytes: int = 0
    hits: list[str] = field(default_factory=list)  # "<path> (<how>)"

    @property
    def clean(self) -> bool:
        return not self.hits


def _any(ids: Sequence[str], expr: str) -> str:
    return " OR ".join(f"contains({expr}, {q(i)})" for i in ids)


def _decoded_hit(con: duckdb.DuckDBPyConnection, path: Path, ids: Sequence[str]) -> bool:
    suffix = path.suffix
    if suffix == ".parquet":
        reader = f"read_parquet({q(str(path))})"
    elif suffix == ".avro":
        reader = f"read_avro({q(str(path))})"
    elif suffix == ".duckdb":
        return _duckdb_hit(con, path, ids)
    else:
        return False
    row = con.execute(
        f"SELECT count(*) FROM {reader} t WHERE {_any(ids, 'CAST(t AS VARCHAR)')}"
    ).fetchone()
    return bool(row and row[0])


def _duckdb_hit(con: duckdb.DuckDBPyConnection, path: Path, ids: Sequence[str]) -> bool:
    con.execute(f"ATTACH {q(str(path))} AS scanned (READ_ONLY)")
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'scanned'"
        ).fetchall()
        for schema, table in tables:
            name = f"scanned.{ident(schema)}.{ident(table)}"
            row = con.execute(
                f"SELECT count(*) FROM {name} t WHERE {_any(ids, 'CAST(t AS VARCHAR)')}"
            ).fetchone()
            if row and row[0]:
                return True
        return False
    finally:
        con.execute("DETACH scanned")


def scan(root: Path, ids: Sequence[str]) -> ScanResult:
    """Search every file under `root` for every id (bytes, then decoded values)."""
    result = ScanResult()
    if not ids:
        return result
    needles = [i.encode() for i in ids]
    con = connect()
    try:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            result.files += 1
            result.bytes += len(data)
            if any(n in data for n in needles):
                result.hits.append(f"{path} (bytes)")
            elif path.stat().st_size and _decoded_hit(con, path, ids):
                result.hits.append(f"{path} (decoded values)")
    finally:
        con.close()
    return result
