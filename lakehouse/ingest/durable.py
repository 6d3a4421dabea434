"""Group commit: many requests share one fsync (ING-6).

Requests append their lines in the event loop (cheap: page cache), then wait for a
sync round. One round runs at a time in a worker thread; every write made before a
round started is durable when it ends. Writes that arrive during a round wait for
the next one, which covers all of them — so durability costs one fsync per round,
not one per request.
"""

from __future__ import annotations

import asyncio

from lakehouse.ingest.logfile import AppendLog


class GroupCommitLog:
    def __init__(self, log: AppendLog) -> None:
        self.log = log
        self._written = 0
        self._synced = 0
        self._round: asyncio.Future[None] | None = None

    async def append(self, data: bytes, lines: int, at: float) -> None:
        """Append and return once the data is on disk; raises IngestError if it is not."""
        self.log.write(data, at, lines)
        self._written += 1
        gen = self._written
        while self._synced < gen:
            if self._round is None:
                self._round = asyncio.ensure_future(self._sync_round())
            await asyncio.shield(self._round)

    async def _sync_round(self) -> None:
        target = self._written
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.log.sync)
            self._synced = max(self._synced, target)
        finally:
            self._round = None
