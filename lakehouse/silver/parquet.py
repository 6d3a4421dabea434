"""Writing one refine batch as Parquet data files: per `event_dt` partition, one file,
or a few of about equal rows for a day that holds much of the batch.

DuckDB's `COPY … PARTITION_BY` runs single-threaded and copies every row into
per-partition buffers first; splitting the Arrow result by partition and writing the
partitions with pyarrow on a small thread pool is faster. The Arrow
schema carries the table's Iceberg field ids (`PARQUET:field_id`), so readers map
columns by id, and `event_id` is written REQUIRED as the table declares it.
"""

from __future__ import annotations

import uuid
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.schema import Schema
from pyiceberg.types import MapType

from lakehouse.errors import PipelineError
from lakehouse.silver.storage import Location, write_parquet

PARTITION = "event_dt"
_ID = b"PARQUET:field_id"
# Columns (nearly) unique per event: a dictionary never pays off, so pyarrow would build
# one, give up and fall back to plain encoding — wasted time. Every other column keeps
# dictionary encoding.
_NO_DICTIONARY = frozenset({"event_id", "event_ts", "_raw", "anon_id", "session_id", "device_id"})
# Min/max of the whole event text or the payload map prune nothing (no query filters on
# them) yet cost a sixth of the write; every other column keeps statistics for pruning.
NO_STATISTICS = frozenset({"_raw", "payload"})
# Threads writing a batch's files; refine keeps a pool of this many for the whole run.
WRITE_THREADS = 2
# A partition's rows go to one file up to this many; a bigger one is split into files of
# about equal rows when it holds more than its share of the threads' work (`_jobs`).
MIN_SPLIT_ROWS = 128 * 1024
# Iceberg `write.parquet.compression-codec` values → pyarrow's names.
_CODECS = {"zstd": "zstd", "snappy": "snappy", "gzip": "gzip", "lz4": "lz4", "uncompressed": "none"}


def with_field_ids(arrow: pa.Schema, schema: Schema) -> pa.Schema:
    """`arrow` with each field (and map key/value) tagged with its Iceberg field id."""
    fields = []
    for f in arrow:
        ice = schema.find_field(f.name)
        typ = f.type
        if isinstance(ice.field_type, MapType) and pa.types.is_map(typ):
            m = ice.field_type
            typ = pa.map_(
                pa.field("key", typ.key_type, nullable=False, metadata={_ID: str(m.key_id)}),
                pa.field("value", typ.item_type, nullable=True, metadata={_ID: str(m.value_id)}),
            )
        fields.append(
            pa.field(f.name, typ, nullable=not ice.required, metadata={_ID: str(ice.field_id)})
        )
    return pa.schema(fields)


def write_partitions(
    tables: list[tuple[pa.Table, pa.Array | None]],
    schema: Schema,
    data_dir: Location,
    prefix: str,
    codec: str = "zstd",
    threads: int = WRITE_THREADS,
    pool: Executor | None = None,
) -> list[str]:
    """Write the rows of `tables` (each with an optional keep-mask) as files per
    event_dt: `data_dir/event_dt=<date>/<prefix>-<uuid>.parquet` (a local folder or an
    s3:// URI, see `storage`), one per day unless a day is big (`_jobs`). Returns the
    paths (local) or URIs (S3).

    Rows are gathered per partition straight from the inputs, so no merged copy of
    the whole batch is ever built (only each partition's rows, one at a time per thread).
    `pool` (of `threads` workers) runs the files, else a pool for this call: a caller writing
    batch after batch passes the same threads each time, so pyarrow's allocator hands
    each thread back the pages it freed, where new threads would fault in fresh ones.
    """
    compression = _CODECS.get(codec.lower(), "zstd")
    target: pa.Schema | None = None
    inputs = []
    for table, keep in tables:
        if table.num_rows == 0:
            continue
        if table.column("event_id").null_count or table.column(PARTITION).null_count:
            raise PipelineError(
                f"refine batch {prefix}: rows without event_id or event_dt; nothing was written."
            )
        target = target or with_field_ids(table.schema, schema)
        inputs.append((table.cast(target), keep))
    if not inputs:
        return []
    # Each input's kept rows grouped by day once (a stable sort of their indices), so a
    # partition's rows are one `take` instead of a mask over the whole batch per day.
    by_day: dict[date, list[tuple[pa.Table, pa.Array]]] = {}
    for table, keep in inputs:
        idx = (
            pa.array(np.arange(table.num_rows, dtype=np.int64))
            if keep is None
            else pc.indices_nonzero(keep)
        )
        part = table.column(PARTITION).take(idx).combine_chunks()
        order = pc.sort_indices(part)
        idx, part = idx.take(order), part.take(order)
        values, starts = np.unique(part.to_numpy(zero_copy_only=False), return_index=True)
        bounds = [*starts.tolist(), len(idx)]
        for n, value in enumerate(values.tolist()):
            chunk = idx.slice(bounds[n], bounds[n + 1] - bounds[n])
            by_day.setdefault(value, []).append((table, chunk))
    assert target is not None
    dictionary = [f.name for f in target if f.name not in _NO_DICTIONARY]
    statistics = [f.name for f in target if f.name not in NO_STATISTICS]

    def write(job: tuple[date, list[tuple[pa.Table, pa.Array]]]) -> str:
        day, pieces = job
        part = pa.concat_tables([table.take(rows) for table, rows in pieces])
        return write_parquet(
            part,
            data_dir,
            f"{PARTITION}={day.isoformat()}/{prefix}-{uuid.uuid4()}.parquet",
            compression=compression,
            row_group_size=128 * 1024,
            use_dictionary=dictionary,
            write_statistics=statistics,
        )

    jobs = _jobs(by_day, threads)
    if pool is not None:
        return list(pool.map(write, jobs))
    with ThreadPoolExecutor(max_workers=threads) as own:
        return list(own.map(write, jobs))


def _jobs(
    by_day: dict[date, list[tuple[pa.Table, pa.Array]]], threads: int
) -> list[tuple[date, list[tuple[pa.Table, pa.Array]]]]:
    """The files to write: (day, its pieces), biggest first.

    A batch's rows mostly fall on two or three days, one of them often over half the
    batch: written as one file each, one thread would still be writing the big day
    long after the other ran out of work. A day over a quarter of the batch (and over
    `MIN_SPLIT_ROWS`) is therefore split into files of about equal rows, and the
    threads take the biggest files first."""
    size = {day: sum(len(rows) for _, rows in pieces) for day, pieces in by_day.items()}
    limit = max(MIN_SPLIT_ROWS, -(-sum(size.values()) // (2 * threads)))
    jobs: list[tuple[int, date, list[tuple[pa.Table, pa.Array]]]] = []
    for day, pieces in sorted(by_day.items()):
        parts = -(-size[day] // limit)
        share, rows, current = -(-size[day] // parts), 0, []
        for table, idx in pieces:
            current.append((table, idx))
            rows += len(idx)
            if rows >= share:
                jobs.append((rows, day, current))
                rows, current = 0, []
        if current:
            jobs.append((rows, day, current))
    jobs.sort(key=lambda j: -j[0])
    return [(day, pieces) for _, day, pieces in jobs]
