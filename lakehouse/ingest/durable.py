"""Group commit: many requests share one fsync (ING-6).

Requests append their lines in the event loop (cheap: page cache) and wait on the
current round. The first writer of a round schedules its fsync with `call_soon`, so
every request already runnable in that loop iteration joins it. The fsync runs on a
small thread pool while the loop keeps parsing and validating the next requests, whose
lines form the next round; a round starts as soon as the previous one finished, so
there is at most one fsync in flight per file and every acknowledged line was written
before the fsync that covers it began. Workers lower the GIL switch interval
(`FSYNC_SWITCH_INTERVAL_S`) so a finished fsync gets the GIL back from a busy loop
quickly instead of after the default 5 ms.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from concurrent.futures import ThreadPoolExecutor

from lakehouse.ingest.logfile import AppendLog

FSYNC_SWITCH_INTERVAL_S = 0.0005
# Each request decodes ~50 dicts that live until its fsync round ends, so the default
# gen-0 threshold (700 allocations) ran a collection every few requests and kept
# promoting in-flight events to older generations: ~15% of a worker's CPU under load.
# Decoded JSON holds no reference cycles; the rare cycles (exceptions, futures) wait a
# little longer for a collection.
GC_THRESHOLDS = (50_000, 20, 20)
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="fsync")  # Bronze and DLQ


def tune_interpreter() -> None:
    """Call once per worker process, after startup: hand the GIL to a finished fsync
    promptly, and collect garbage rarely (startup objects are frozen out of it)."""
    sys.setswitchinterval(FSYNC_SWITCH_INTERVAL_S)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class GroupCommitLog:
    def __init__(self, log: AppendLog) -> None:
        self.log = log
        self._collecting: asyncio.Future[None] | None = None  # the round new writes join
        self._in_flight = False

    async def append(self, data: bytes, lines: int, at: float) -> None:
        """Append and return once the data is on disk; raises IngestError if it is not."""
        self.log.write(data, at, lines)
        if self._collecting is None:
            loop = asyncio.get_running_loop()
            self._collecting = loop.create_future()
            if not self._in_flight:
                loop.call_soon(self._start, loop)
        await asyncio.shield(self._collecting)

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        round_, self._collecting = self._collecting, None
        assert round_ is not None
        self._in_flight = True
        done = loop.run_in_executor(_POOL, self.log.sync)
        done.add_done_callback(lambda f: self._finish(loop, round_, f))

    def _finish(
        self, loop: asyncio.AbstractEventLoop, round_: asyncio.Future[None], f: asyncio.Future[None]
    ) -> None:
        self._in_flight = False
        exc = f.exception()
        if exc is not None:  # every waiter of this round gets the failure
            round_.set_exception(exc)
        else:
            round_.set_result(None)
        if self._collecting is not None:  # lines written while that fsync ran
            self._start(loop)
