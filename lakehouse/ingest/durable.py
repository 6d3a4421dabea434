"""Group commit: many requests share one fsync (ING-6).

Requests append their lines in the event loop (cheap: page cache) and wait on the
current round. The first writer of a round schedules its fsync with `call_soon`, so
every request already runnable in that loop iteration joins it. The fsync runs off the
loop while it keeps parsing and validating the next requests, whose lines form the next
round; a round starts as soon as the previous one finished, so there is at most one
fsync in flight per file and every acknowledged line was written before the fsync that
covers it began.

Off the loop means a native thread (`_syncer.c`) that syncs a dup of the file (an
fdatasync unless the file grew, see logfile.py) and
signals an eventfd the loop watches: it never needs the GIL, so a finished fsync does
not wait for the busy loop to hand it over, and no Python future crosses threads. When
the extension is not built, a Python thread pool does the fsync, and workers lower the
GIL switch interval (`FSYNC_SWITCH_INTERVAL_S`) so that thread gets the GIL back
quickly instead of after the default 5 ms.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from lakehouse.errors import IngestError
from lakehouse.ingest.logfile import AppendLog, os_message

try:  # built by `pip install -e .`
    from lakehouse.ingest._syncer import Syncer
except ImportError:
    Syncer = None  # type: ignore[assignment,misc]

FSYNC_SWITCH_INTERVAL_S = 0.0005
# Each request decodes ~50 dicts that live until its fsync round ends, so the default
# gen-0 threshold (700 allocations) ran a collection every few requests and kept
# promoting in-flight events to older generations: ~15% of a worker's CPU under load.
# Decoded JSON holds no reference cycles; the rare cycles (exceptions, futures) wait a
# little longer for a collection.
GC_THRESHOLDS = (50_000, 20, 20)
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="fsync")  # without _syncer


def tune_interpreter() -> None:
    """Call once per worker process, after startup: collect garbage rarely (startup
    objects are frozen out of it) and, on the thread-pool fallback, hand the GIL to a
    finished fsync promptly."""
    if Syncer is None:
        sys.setswitchinterval(FSYNC_SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class _Round(asyncio.Future[None]):
    """One fsync round, awaited by every request in it. A request cancelled meanwhile
    (server shutdown) must not cancel the round for the others: `cancel` declines, so
    the cancelled task stops when the round ends. Cheaper than `asyncio.shield`, which
    adds a future and two callbacks per request."""

    def cancel(self, msg: object = None) -> bool:
        return False


class GroupCommitLog:
    def __init__(self, log: AppendLog) -> None:
        self.log = log
        self._collecting: _Round | None = None  # the round new writes join
        self._syncing: _Round | None = None  # the round whose fsync runs
        self._syncer: Syncer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def append(self, data: bytes, lines: int, at: float) -> None:
        """Append and return once the data is on disk; raises IngestError if it is not."""
        self.log.write(data, at, lines)
        if self._collecting is None:
            loop = asyncio.get_running_loop()
            self._collecting = _Round(loop=loop)
            if self._syncing is None:
                loop.call_soon(self._start, loop)
        await self._collecting

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        round_, self._collecting = self._collecting, None
        assert round_ is not None
        self._syncing = round_
        if Syncer is None:
            done = loop.run_in_executor(_POOL, self.log.sync)
            done.add_done_callback(lambda f: self._finish(f.exception()))
            return
        target = self.log.begin_sync()
        if target is None:  # sealed since these writes: the seal's fsync made them durable
            return self._finish(None)
        fd, grown, drop = target
        if self._syncer is None:
            self._syncer, self._loop = Syncer(), loop
            loop.add_reader(self._syncer.fileno(), self._synced)
        try:
            self._syncer.start(fd, not grown, drop)
        except OSError as exc:  # no descriptor left for the dup
            self.log.sync_failed()
            self._finish(IngestError(os_message(exc, self.log.root)))

    def _synced(self) -> None:
        assert self._syncer is not None
        err = self._syncer.collect()
        if err is None:  # not finished yet (a stale wake-up)
            return
        exc = OSError(err, os.strerror(err)) if err else None
        if exc is not None:
            self.log.sync_failed()
        self._finish(IngestError(os_message(exc, self.log.root)) if exc else None)

    def _finish(self, exc: BaseException | None) -> None:
        round_, self._syncing = self._syncing, None
        assert round_ is not None
        if exc is not None:  # every waiter of this round gets the failure
            round_.set_exception(exc)
        else:
            round_.set_result(None)
        if self._collecting is not None:  # lines written while that fsync ran
            self._start(asyncio.get_running_loop())

    def close(self) -> None:
        """Stop the fsync thread (after the fsync in flight, if any)."""
        if self._syncer is not None and self._loop is not None:
            self._loop.remove_reader(self._syncer.fileno())
            self._syncer.close()
            self._syncer = None
