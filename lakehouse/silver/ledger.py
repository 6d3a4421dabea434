"""Which Bronze files are in Silver: the refine ledger (sqlite) and the refine lock.

A batch is recorded as `pending`, with its files, before anything is written to the
table, and marked `done` after the Iceberg commit. A file belongs to at most one batch
(primary key), so it is loaded exactly once. A crash leaves a pending batch behind;
the next refine resolves it (see `refine.recover`) before loading anything new.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lakehouse.errors import PipelineError
from lakehouse.ingest.logfile import SealedFile

LEDGER_FILE = "refine.db"
LOCK_FILE = "refine.lock"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS refine_batches (
    batch_id     TEXT PRIMARY KEY,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    files        INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    rows_in      INTEGER,
    rows_written INTEGER,
    duplicates   INTEGER,
    seconds      REAL,
    snapshot_id  INTEGER,
    note         TEXT
);
CREATE TABLE IF NOT EXISTS refine_files (
    rel      TEXT PRIMARY KEY,
    batch_id TEXT NOT NULL REFERENCES refine_batches (batch_id),
    sha256   TEXT NOT NULL,
    bytes    INTEGER NOT NULL,
    lines    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS refine_files_batch ON refine_files (batch_id);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class BatchStats:
    rows_in: int
    rows_written: int
    duplicates: int
    seconds: float
    snapshot_id: int | None
    note: str = ""


class Ledger:
    """The sqlite ledger at `<state>/refine.db`. Every method is one transaction."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / LEDGER_FILE
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=60)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def loaded(self) -> set[str]:
        """Relative paths of the Bronze files already in Silver."""
        rows = self._db.execute(
            "SELECT f.rel FROM refine_files f JOIN refine_batches b USING (batch_id) WHERE b.status = 'done'"
        )
        return {r[0] for r in rows}

    def pending(self) -> list[tuple[str, list[str]]]:
        """Batches a crash left unfinished: (batch_id, file rels)."""
        out = []
        for (batch_id,) in self._db.execute(
            "SELECT batch_id FROM refine_batches WHERE status = 'pending' ORDER BY batch_id"
        ).fetchall():
            rels = [
                r[0]
                for r in self._db.execute(
                    "SELECT rel FROM refine_files WHERE batch_id = ?", (batch_id,)
                )
            ]
            out.append((batch_id, rels))
        return out

    def begin(self, batch_id: str, files: Sequence[SealedFile]) -> None:
        """Record `batch_id` as pending with its files (before any write to the table)."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO refine_batches (batch_id, status, started_at, files, bytes) VALUES (?, 'pending', ?, ?, ?)",
                (batch_id, _now(), len(files), sum(f.bytes for f in files)),
            )
            db.executemany(
                "INSERT INTO refine_files (rel, batch_id, sha256, bytes, lines) VALUES (?, ?, ?, ?, ?)",
                [(f.rel, batch_id, f.sha256, f.bytes, f.lines) for f in files],
            )

    def finish(self, batch_id: str, stats: BatchStats | None = None, note: str = "") -> None:
        """Mark `batch_id` done: its files count as loaded from now on."""
        with self._tx() as db:
            if stats is None:
                db.execute(
                    "UPDATE refine_batches SET status = 'done', finished_at = ?, note = ? WHERE batch_id = ?",
                    (_now(), note, batch_id),
                )
                return
            db.execute(
                """UPDATE refine_batches SET status = 'done', finished_at = ?, rows_in = ?, rows_written = ?,
                   duplicates = ?, seconds = ?, snapshot_id = ?, note = ? WHERE batch_id = ?""",
                (_now(), stats.rows_in, stats.rows_written, stats.duplicates, stats.seconds,
                 stats.snapshot_id, stats.note or note, batch_id),
            )  # fmt: skip

    def abort(self, batch_id: str) -> None:
        """Forget a batch that never committed: its files become loadable again."""
        with self._tx() as db:
            db.execute("DELETE FROM refine_files WHERE batch_id = ?", (batch_id,))
            db.execute("DELETE FROM refine_batches WHERE batch_id = ?", (batch_id,))


@contextmanager
def refine_lock(
    state_dir: Path, wait: bool = True, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the lake's refine lock (flock on `<state>/refine.lock`) for the block.

    A second refine waits (`wait=True`, after calling `on_wait` with a message) or
    fails at once with a PipelineError naming the holder's pid.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / LOCK_FILE
    with closing(_LockFile(path)) as lock:
        if not lock.try_acquire():
            holder = lock.holder()
            msg = f"another refine (pid {holder or '?'}) holds {path}"
            if not wait:
                raise PipelineError(
                    f"{msg}; wait for it to finish, or run refine again without --no-wait."
                )
            if on_wait is not None:
                on_wait(f"{msg}; waiting for it to finish…")
            lock.acquire()
        lock.mark()
        yield


class _LockFile:
    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def try_acquire(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return False
            raise
        return True

    def acquire(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def holder(self) -> str:
        try:
            return os.pread(self.fd, 32, 0).decode().strip()
        except OSError:
            return ""

    def mark(self) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)

    def close(self) -> None:
        os.close(self.fd)  # closing the descriptor releases the flock
