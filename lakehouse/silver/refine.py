"""`refine`: sealed Bronze files → `lake.events`, incrementally, exactly once (LAKE-2).

Per run, under the refine lock:

1. create or evolve the table from the registry (a new envelope field = a new column);
2. resolve batches a crash left pending: committed (a snapshot carries its batch id)
   → done; otherwise its orphan Parquet files are deleted and its files are redone;
3. split the not-yet-loaded sealed files into batches of at most `batch_bytes`, and for
   each: ledger `pending` → parse in DuckDB → drop copies already in Silver (only the
   `event_dt` partitions the batch touches: a retry has the same event_ts) → write
   Parquet → one Iceberg commit → ledger `done`.

Killed anywhere, a re-run ends with the same rows: an uncommitted batch is redone,
a committed one is not, and the anti-join against Silver would drop a second copy
even if the ledger were lost.

With `LAKEHOUSE_STORAGE_ROOT=s3://…` (CLOUD-3) the same steps read Bronze objects from
the bucket and write and clean up data files on S3 (`storage`); the ledger and the
lock stay under the local lake root.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.table import Table

from lakehouse.clock import utcnow
from lakehouse.config import Settings
from lakehouse.ids import new_ulid
from lakehouse.ingest.logfile import SealedFile, list_sealed
from lakehouse.ingest.registry import Registry, default_registry
from lakehouse.observability.runlog import recorded
from lakehouse.privacy import tombstones
from lakehouse.privacy.idhash import salt
from lakehouse.silver import BATCH_MB
from lakehouse.silver.catalog import load_catalog
from lakehouse.silver.commit import (
    batch_files,
    commit_batch,
    committed_batches,
    data_dir,
    referenced,
    remove_batch_files,
)
from lakehouse.silver.duck import enable_s3
from lakehouse.silver.ledger import BatchStats, Ledger, refine_lock
from lakehouse.silver.private import PrivateArea
from lakehouse.silver.storage import reader_path
from lakehouse.silver.tables import EVENTS, ensure_events_table
from lakehouse.silver.transform import BatchRefiner, Parsed, Selection, q

DEFAULT_BATCH_BYTES = BATCH_MB << 20
MAX_BATCH_FILES = 2000  # keeps the file list of one read_ndjson call reasonable
# Test hook: "<point>" or "<point>:<n>" makes the process SIGKILL itself at that point
# (of the n-th batch of the run), to prove crash safety with real kills.
FAULT_ENV = "LAKEHOUSE_REFINE_FAULT"
FAULT_POINTS = ("after-pending", "before-commit", "after-commit")
# How long jemalloc keeps pages refine freed before returning them to the OS (see _arrow_pool).
ARROW_DECAY_MS = 10_000
NOTHING_IN_BRONZE = "nothing to refine; run `lakehouse load` or `lakehouse serve` first"

Progress = Callable[[int, int, str], None]  # (bytes done, bytes total, what is happening)


@dataclass
class RefineResult:
    """What one refine run did (OBS-1)."""

    files: int = 0
    batches: int = 0
    bytes: int = 0
    rows_in: int = 0
    rows_written: int = 0
    dup_in_batch: int = 0  # extra copies of an event_id among the new Bronze rows
    dup_in_silver: int = 0  # new Bronze rows whose event_id was already in Silver
    fixed_rows: int = 0  # rows that needed the Python slow path (unknown fields, PII)
    tombstoned: int = 0  # rows of ids a DSAR deleted (late events): dropped, never resurrected
    pii_hashed: int = 0  # e-mails/phones hashed into private.pii_hashes (PRIV-1)
    seconds: float = 0.0
    added_columns: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)  # "<batch>: committed|redone"
    snapshot_ids: list[int] = field(default_factory=list)
    phase_seconds: dict[str, float] = field(default_factory=dict)  # parse/dedup/write/commit
    message: str = ""

    def _time(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.phase_seconds[phase] = self.phase_seconds.get(phase, 0.0) + now - since
        return now

    @property
    def duplicates(self) -> int:
        return self.dup_in_batch + self.dup_in_silver

    @property
    def events_per_s(self) -> float:
        return self.rows_in / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        if self.message:
            return self.message
        return (
            f"refined {self.files} Bronze file(s) in {self.batches} batch(es): rows_in={self.rows_in} "
            f"rows_written={self.rows_written} duplicates_dropped={self.duplicates} "
            f"seconds={self.seconds:.2f} ({self.events_per_s:,.0f} events/s)"
            + (f" tombstoned_dropped={self.tombstoned}" if self.tombstoned else "")
            + (f" pii_hashed={self.pii_hashed}" if self.pii_hashed else "")
        )


def plan_batches(
    files: Sequence[SealedFile], max_bytes: int, max_files: int = MAX_BATCH_FILES
) -> list[list[SealedFile]]:
    """Consecutive groups of `files` of at most `max_bytes` (a bigger file goes alone)."""
    batches: list[list[SealedFile]] = []
    current: list[SealedFile] = []
    size = 0
    for f in files:
        if current and (size + f.bytes > max_bytes or len(current) >= max_files):
            batches.append(current)
            current, size = [], 0
        current.append(f)
        size += f.bytes
    if current:
        batches.append(current)
    return batches


def _fault(point: str, batch_no: int) -> None:
    spec = os.environ.get(FAULT_ENV, "")
    name, _, nth = spec.partition(":")
    if name == point and (not nth or int(nth) == batch_no):
        os.kill(os.getpid(), signal.SIGKILL)


def recover(ledger: Ledger, table: Table) -> list[str]:
    """Settle the batches a killed refine left pending; one line per batch."""
    pending = ledger.pending()
    if not pending:
        return []
    done = committed_batches(table, [b for b, _ in pending])
    out = []
    for batch_id, _rels in pending:
        orphans = batch_files(table, batch_id)
        if batch_id in done or referenced(table, orphans):
            ledger.finish(batch_id, note="recovered: committed before a crash")
            out.append(f"{batch_id}: committed")
            continue
        remove_batch_files(table, batch_id)  # written but never committed: nothing sees them
        ledger.abort(batch_id)
        out.append(f"{batch_id}: redone")
    return out


def sealed_bronze(settings: Settings, loaded: Collection[str] = ()) -> list[SealedFile]:
    """The sealed Bronze files to refine from: the bucket's objects when the lake is on S3
    (refine then needs no access to the ingest host's disk), else the local manifest."""
    if settings.storage_root:
        from lakehouse.cloud.s3 import list_bronze

        return list_bronze(settings, loaded)
    return list_sealed(settings.bronze_dir)


def _no_progress(_done: int, _total: int, _note: str) -> None:
    pass


@contextmanager
def _arrow_pool() -> Iterator[None]:
    """pyarrow allocates from jemalloc, keeping freed pages for `ARROW_DECAY_MS`, while
    refine runs. Every batch allocates and frees about as much memory as the one before;
    pyarrow's default mimalloc hands freed pages back to the OS at once, so each batch
    paid the kernel to fault in and zero them again (at 10M events: 27 of 95 CPU-seconds
    in the kernel, against 13 with pages kept). A pyarrow built without jemalloc keeps
    its pool."""
    previous = pa.default_memory_pool()
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        yield
        return
    pa.jemalloc_set_decay_ms(ARROW_DECAY_MS)
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def existing_ids(refiner: BatchRefiner, table: Table, dates: Sequence[date]) -> pa.Table:
    """event_ids already in Silver in the `event_dt` partitions `dates`."""
    empty = pa.table({"event_id": pa.array([], pa.string())})
    if not dates or table.current_snapshot() is None:
        return empty
    row_filter = "event_dt IN (" + ", ".join(q(d.isoformat()) for d in dates) + ")"
    paths = [reader_path(t.file.file_path) for t in table.scan(row_filter=row_filter).plan_files()]
    if not paths:
        return empty
    # Only ids that also occur in the batch matter; DuckDB reads just that column.
    listing = "[" + ", ".join(q(p) for p in paths) + "]"
    return refiner.con.execute(
        f"""SELECT DISTINCT p.event_id FROM read_parquet({listing}) p
            SEMI JOIN refine_keys k ON k.event_id = p.event_id"""
    ).to_arrow_table()


@recorded("refine", lambda r: (r.rows_in, r.rows_written))
def refine(
    settings: Settings,
    *,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    registry: Registry | None = None,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    on_progress: Progress | None = None,
    memory_limit: str = "4GB",
) -> RefineResult:
    """Refine every sealed Bronze file not yet in Silver into `lake.events`."""
    started = time.perf_counter()
    s = settings.ensure()
    reg = registry or default_registry()
    result = RefineResult()
    with refine_lock(s.state_dir, wait=wait, on_wait=on_wait):
        ledger = Ledger(s.state_dir)
        try:
            sealed = sealed_bronze(s, ledger.loaded() if s.storage_root else ())
            if not sealed and not ledger.loaded() and not ledger.pending():
                result.message = NOTHING_IN_BRONZE
                return result
            catalog = load_catalog(s)
            table, result.added_columns = ensure_events_table(catalog, reg)
            result.recovered = recover(ledger, table)
            loaded = ledger.loaded()
            todo = [f for f in sealed if f.rel not in loaded]
            if not todo:
                result.message = (
                    f"Silver is up to date: all {len(sealed)} sealed Bronze file(s) are in {EVENTS}"
                )
                return result
            runner = _Runner(s, reg, table, ledger, memory_limit)
            try:
                with _arrow_pool():
                    runner.run(plan_batches(todo, batch_bytes), result, on_progress or _no_progress)
            finally:
                runner.close()
        finally:
            ledger.close()
            result.seconds = time.perf_counter() - started
    return result


class _Runner:
    """Refines planned batches one after the other; one DuckDB connection for the run."""

    def __init__(
        self, s: Settings, reg: Registry, table: Table, ledger: Ledger, memory_limit: str
    ) -> None:
        self.table = table
        self.ledger = ledger
        self.dead = tombstones.hashes(s)
        self.private = PrivateArea(s)
        self.salt = salt(s) if self.dead else ""
        codec = table.properties.get("write.parquet.compression-codec", "zstd")
        self.refiner = BatchRefiner(
            reg,
            table.schema(),
            memory_limit=memory_limit,
            temp_dir=s.state_dir / "duckdb_tmp",
            codec=codec,
        )
        if s.storage_root:  # Bronze and Silver files are s3:// objects
            enable_s3(self.refiner.con)

    def close(self) -> None:
        self.refiner.close()

    def run(
        self, batches: list[list[SealedFile]], result: RefineResult, progress: Progress
    ) -> None:
        # Parsing only reads Bronze, so batch n+1 is parsed in a worker thread while
        # batch n is deduplicated, written and committed (DuckDB and pyarrow release the
        # GIL); dedup of n+1 still runs after n committed. At most two parsed batches
        # are held at once. Leaving the pool waits for a parse still running (when an
        # error stopped the run) before the connection is closed.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="refine-parse") as pool:
            self._run(pool, batches, result, progress)

    def _drop_tombstoned(
        self, parsed: Parsed, sel: Selection, keep: pa.Array | None, result: RefineResult
    ) -> tuple[Selection, pa.Array | None]:
        """Remove rows of DSAR-deleted ids from the keep-mask (PRIV-3: no resurrection)."""
        dead = tombstones.tombstoned_rows(self.refiner.con, parsed.rows, self.salt, self.dead)
        if dead is None:
            return sel, keep
        alive = pc.invert(dead)
        new_keep = alive if keep is None else pc.and_(keep, alive)
        rows = pc.sum(new_keep.cast(pa.int64())).as_py() or 0
        result.tombstoned += sel.rows - rows
        return replace(sel, rows=rows), new_keep

    def _parse_soon(self, pool: ThreadPoolExecutor, files: list[SealedFile]) -> Future[Parsed]:
        return pool.submit(self.refiner.parse, files, utcnow())

    def _run(
        self,
        pool: ThreadPoolExecutor,
        batches: list[list[SealedFile]],
        result: RefineResult,
        progress: Progress,
    ) -> None:
        total = sum(f.bytes for b in batches for f in b)
        done = 0
        ahead = self._parse_soon(pool, batches[0]) if batches else None
        for n, files in enumerate(batches, start=1):
            started = time.perf_counter()
            size = sum(f.bytes for f in files)
            progress(done, total, f"batch {n}/{len(batches)}: {len(files)} file(s)")
            batch_id = "rfb_" + new_ulid()
            self.ledger.begin(batch_id, files)
            _fault("after-pending", n)
            t = time.perf_counter()
            assert ahead is not None
            parsed = ahead.result()  # time spent waiting for the parse
            ahead = self._parse_soon(pool, batches[n]) if n < len(batches) else None
            t = result._time("parse", t)
            keys = self.refiner.keys(parsed)
            sel, keep = self.refiner.select_new(
                keys, existing_ids(self.refiner, self.table, keys.dates)
            )
            sel, keep = self._drop_tombstoned(parsed, sel, keep, result)
            t = result._time("dedup", t)
            snapshot_id = None
            if sel.rows:
                result.pii_hashed += self.private.add(parsed, keep, batch_id)  # PRIV-1, first
                written = self.refiner.write(parsed, keep, data_dir(self.table), batch_id)
                t = result._time("write", t)
                _fault("before-commit", n)
                snapshot_id = commit_batch(self.table, written, batch_id)
                result._time("commit", t)
                _fault("after-commit", n)
                result.snapshot_ids.append(snapshot_id)
            dups = sel.dup_in_batch + sel.dup_in_silver
            seconds = time.perf_counter() - started
            self.ledger.finish(
                batch_id, BatchStats(keys.rows, sel.rows, dups, seconds, snapshot_id)
            )
            done += size
            result.batches += 1
            result.files += len(files)
            result.bytes += size
            result.rows_in += keys.rows
            result.rows_written += sel.rows
            result.dup_in_batch += sel.dup_in_batch
            result.dup_in_silver += sel.dup_in_silver
            result.fixed_rows += parsed.fixed.num_rows if parsed.fixed is not None else 0
            del parsed
            progress(done, total, f"batch {n}/{len(batches)}: {sel.rows} row(s) written")
