"""Removing rows from `lake.events` so that no byte of them survives (PRIV-3, PRIV-4).

pyiceberg deletes are copy-on-write, and `expire_snapshots` only forgets snapshots:
the old data files, manifests (whose column bounds can hold an id) and metadata
versions stay on disk (SPEC §0). So a purge is three steps, under the refine lock:

1. rewrite: the data files of the current snapshot that hold a deleted id are read
   by DuckDB, the identities' rows dropped, mentions in other rows replaced by
   `[deleted]`, written as new Parquet and swapped in by one overwrite commit;
2. expire every snapshot but the current one;
3. delete every file under the table location that the current metadata does not
   reference (old data files, manifests, manifest lists, metadata JSONs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from pyiceberg.expressions import BooleanExpression
from pyiceberg.table import Table
from pyiceberg.types import MapType, StringType

from lakehouse.silver.commit import data_dir, data_file_for, file_uri, local_path
from lakehouse.silver.duck import connect
from lakehouse.silver.parquet import write_partitions
from lakehouse.silver.private import in_list
from lakehouse.silver.transform import ident, q, sql_list

DELETED = "[deleted]"
PURGE_PROPERTY = "lakehouse.purge"  # snapshot summary key naming the request
_ID_COLUMNS = ("user_id", "anon_id", "device_id")


@dataclass
class SilverStats:
    files_rewritten: int = 0
    rows_dropped: int = 0
    rows_scrubbed: int = 0
    snapshots_expired: int = 0
    orphan_files_deleted: int = 0
    private_rows_dropped: int = 0  # private.pii_hashes rows of the identities (PRIV-1)


def _replaced(expr: str, ids: list[str]) -> str:
    for i in ids:
        expr = f"replace({expr}, {q(i)}, {q(DELETED)})"
    return expr


def _select(table: Table, ids: list[str]) -> str:
    cols = []
    for f in table.schema().fields:
        name = ident(f.name)
        if f.name == "event_id":
            cols.append(name)
        elif isinstance(f.field_type, StringType):
            cols.append(f"{_replaced(name, ids)} AS {name}")
        elif isinstance(f.field_type, MapType):
            value = _replaced("e.value", ids)
            cols.append(
                f"map_from_entries(list_transform(map_entries({name}), "
                f"e -> struct_pack(key := e.key, value := {value}))) AS {name}"
            )
        else:
            cols.append(name)
    return ", ".join(cols)


def _owned(ids: list[str]) -> str:
    """Rows of the identities: by id, or by event_id for their consent-off events
    (stored without ids, PRIV-2; the temp table `purge_events` lists them)."""
    listing = sql_list(ids)
    by_id = [f"coalesce(list_contains({listing}, {c}), false)" for c in _ID_COLUMNS]
    return " OR ".join([*by_id, "event_id IN (SELECT event_id FROM purge_events)"])


def _mentions(ids: list[str]) -> str:
    return " OR ".join(f"contains(_raw, {q(i)})" for i in ids)


def rewrite_without(
    table: Table,
    ids: list[str],
    request_id: str,
    dry_run: bool,
    stats: SilverStats,
    event_ids: Sequence[str] = (),
) -> Table:
    """Step 1: drop the identities' rows (and `event_ids`, their id-less consent-off
    events) and scrub mentions, in one overwrite commit."""
    tasks = list(table.scan().plan_files()) if table.current_snapshot() is not None else []
    if not tasks or not ids:
        return table
    con = connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register(
            "purge_events_arrow", pa.table({"event_id": pa.array(list(event_ids), pa.string())})
        )
        con.execute("CREATE TEMP TABLE purge_events AS SELECT * FROM purge_events_arrow")
        con.unregister("purge_events_arrow")
        paths = {str(local_path(t.file.file_path)): t.file for t in tasks}
        hit = con.execute(
            f"""SELECT filename, count(*) FILTER ({_owned(ids)}),
                       count(*) FILTER (NOT ({_owned(ids)}) AND ({_mentions(ids)}))
                FROM read_parquet({sql_list(sorted(paths))}, filename = true)
                WHERE {_owned(ids)} OR {_mentions(ids)} GROUP BY filename"""
        ).fetchall()
        for _, dropped, scrubbed in hit:
            stats.rows_dropped += dropped
            stats.rows_scrubbed += scrubbed
        stats.files_rewritten = len(hit)
        if dry_run or not hit:
            return table
        codec = table.properties.get("write.parquet.compression-codec", "zstd")
        new_paths: list[str] = []
        for filename, _, _ in hit:
            rows = con.execute(
                f"SELECT {_select(table, ids)} FROM read_parquet({q(filename)}) "
                f"WHERE NOT ({_owned(ids)})"
            ).to_arrow_table()
            new_paths += write_partitions(
                [(rows, None)], table.schema(), data_dir(table), f"purge-{request_id}", codec
            )
    finally:
        con.close()
    with table.transaction() as tx:
        update = tx.update_snapshot(snapshot_properties={PURGE_PROPERTY: request_id})
        with update.overwrite() as overwrite:
            for filename, _, _ in hit:
                overwrite.delete_data_file(paths[filename])
            for p in new_paths:
                overwrite.append_data_file(data_file_for(table, Path(p)))
    return table


def delete_where(
    table: Table, row_filter: str | BooleanExpression, request_id: str, dry_run: bool
) -> int:
    """Rows matching `row_filter` (a partition predicate: whole files go) removed; the count."""
    if table.current_snapshot() is None:
        return 0
    rows = sum(t.file.record_count for t in table.scan(row_filter=row_filter).plan_files())
    if rows and not dry_run:
        table.delete(row_filter, snapshot_properties={PURGE_PROPERTY: request_id})
    return rows


def _forget_deleted_entries(table: Table) -> None:
    """Commit an empty append when the current snapshot lists deleted files.

    The snapshot that deletes a file records it as a DELETED manifest entry, with the
    file's column bounds — which can be a deleted id. A fast append carries forward only
    manifests with live files, so after it no reachable manifest names the old files.
    """
    current = table.current_snapshot()
    if current is None:
        return
    if not any((m.deleted_files_count or 0) > 0 for m in current.manifests(table.io)):
        return
    with (
        table.transaction() as tx,
        tx.update_snapshot(snapshot_properties={PURGE_PROPERTY: "forget-deleted"}).fast_append(),
    ):
        pass


def expire_and_clean(table: Table, stats: SilverStats) -> Table:
    """Steps 2 and 3: only the current snapshot survives, and only its files stay on disk."""
    _forget_deleted_entries(table)
    current = table.current_snapshot()
    old = [
        s.snapshot_id for s in table.snapshots() if current and s.snapshot_id != current.snapshot_id
    ]
    if old:
        table.maintenance.expire_snapshots().by_ids(old).commit()
        table.refresh()
        stats.snapshots_expired += len(old)
    keep = {table.metadata_location}
    io = table.io
    for snap in table.snapshots():
        keep.add(snap.manifest_list)
        for manifest in snap.manifests(io):
            keep.add(manifest.manifest_path)
            for entry in manifest.fetch_manifest_entry(io, discard_deleted=True):
                keep.add(entry.data_file.file_path)
    keep_paths = {str(local_path(u)) for u in keep}
    root = local_path(table.location())
    for path in sorted(root.rglob("*")):
        if path.is_file() and str(path) not in keep_paths and file_uri(path) not in keep:
            path.unlink()
            stats.orphan_files_deleted += 1
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return table


def delete_rows(
    table: Table, row_filter: str | BooleanExpression, request_id: str, dry_run: bool
) -> int:
    """Rows matching any predicate removed (copy-on-write); the exact count. For small
    tables such as `private.pii_hashes` (it counts by reading the matching rows)."""
    if table.current_snapshot() is None:
        return 0
    scan = table.scan(row_filter=row_filter, selected_fields=("event_id",))
    rows = sum(len(b) for b in scan.to_arrow_batch_reader())
    if rows and not dry_run:
        table.delete(row_filter, snapshot_properties={PURGE_PROPERTY: request_id})
    return rows


def purge_private(
    table: Table, id_hashes: list[str], request_id: str, dry_run: bool, stats: SilverStats
) -> None:
    """`private.pii_hashes` rows of the identities (by their salted id hashes) removed,
    then its old snapshots and orphan files like `lake.events`'."""
    if not id_hashes:
        return
    owned = " OR ".join(in_list(f"{c}_sha256", id_hashes) for c in _ID_COLUMNS)
    stats.private_rows_dropped = delete_rows(table, owned, request_id, dry_run)
    if not dry_run and table.current_snapshot() is not None:
        expire_and_clean(table, stats)
