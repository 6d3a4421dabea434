"""The verification scan: does any file under the lake root still hold an id?

Every file's raw bytes are searched. Compressed formats could hide a value from a
byte search, so Parquet, Avro (Iceberg manifests) and DuckDB files are also decoded
and every value searched as text. A hit names the file, so a failed DSAR says where.
"""

from __future__ import annotations

import re
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


_SCALAR_TYPES = ("BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                 "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "DATE", "TIME",
                 "TIMESTAMP", "DECIMAL", "INTERVAL", "UUID")  # fmt: skip


def _hits(con: duckdb.DuckDBPyConnection, relation: str, ids: Sequence[str]) -> bool:
    """True when any text-bearing column of `relation` contains an id.

    Numbers, dates and timestamps cannot hold an id, so only strings and nested values
    (maps, lists, structs, cast to text) are searched, in one regex pass per row.
    """
    described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    texts = [
        ident(name) if typ == "VARCHAR" else f"CAST({ident(name)} AS VARCHAR)"
        for name, typ, *_ in described
        if not str(typ).upper().startswith(_SCALAR_TYPES)
    ]
    if not texts:
        return False
    pattern = q("|".join(re.escape(i) for i in ids))
    row = con.execute(
        f"SELECT count(*) FROM {relation} WHERE regexp_matches(concat_ws(chr(1), {', '.join(texts)}), {pattern})"
    ).fetchone()
    return bool(row and row[0])


def _decoded_hit(con: duckdb.DuckDBPyConnection, path: Path, ids: Sequence[str]) -> bool:
    if path.suffix == ".parquet":
        return _hits(con, f"read_parquet({q(str(path))})", ids)
    if path.suffix == ".avro":
        return _hits(con, f"read_avro({q(str(path))})", ids)
    if path.suffix == ".duckdb":
        return _duckdb_hit(con, path, ids)
    return False


def _duckdb_hit(con: duckdb.DuckDBPyConnection, path: Path, ids: Sequence[str]) -> bool:
    con.execute(f"ATTACH {q(str(path))} AS scanned (READ_ONLY)")
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'scanned'"
        ).fetchall()
        return any(_hits(con, f"scanned.{ident(s)}.{ident(t)}", ids) for s, t in tables)
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
