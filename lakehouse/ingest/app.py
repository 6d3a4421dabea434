"""The ingest HTTP endpoint as a bare ASGI app (ING-1).

`POST /e` takes one event or a JSON array of ≤ 500 events in ≤ 1 MiB, validates each
independently and answers `{"accepted": n, "rejected": [...]}` only after the
accepted events (Bronze) and the rejected ones (DLQ) are on disk. `GET /healthz`
reports liveness. A framework would add nothing here but per-request overhead.

`POST /_bare` exists only when LAKEHOUSE_BENCH_BARE=1: it parses and appends events
with no validation and no fsync — the floor the benchmark compares against.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

import orjson

from lakehouse.config import Settings, load_settings
from lakehouse.errors import IngestError
from lakehouse.ids import new_ulid
from lakehouse.ingest.body import BodyError, decode_body
from lakehouse.ingest.durable import GroupCommitLog, tune_interpreter
from lakehouse.ingest.logfile import AppendLog, recover
from lakehouse.ingest.records import process
from lakehouse.ingest.validate import Validator

_log = logging.getLogger("lakehouse.ingest")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_JSON = [(b"content-type", b"application/json")]
_RETRY_AFTER = [(b"retry-after", b"5")]  # seconds; a full disk is not freed instantly


class _TooLarge(Exception):
    pass


class IngestApp:
    """One worker's ingest app; holds its own Bronze and DLQ logs."""

    def __init__(self, settings: Settings, bare: bool = False) -> None:
        self.settings = settings
        self.validator = Validator(limits=settings.limits)
        self.bare = bare
        self.bronze: GroupCommitLog | None = None
        self.dlq: GroupCommitLog | None = None
        self._roller: asyncio.Task[None] | None = None
        self._bare_fd: int | None = None
        self.worker = f"w{os.getpid()}"
        self._pushed = -1  # Bronze files of this worker already in S3; -1 = not synced yet

    # -- lifecycle ---------------------------------------------------------------------

    def startup(self) -> None:
        s = self.settings.ensure()
        lim = s.limits
        tune_interpreter()
        recover(s.bronze_dir)  # seal what a crashed worker left (live writers are flock-ed)
        recover(s.dlq_dir)
        self.bronze = GroupCommitLog(
            AppendLog(s.bronze_dir, "evt", lim.roll_bytes, lim.roll_seconds)
        )
        self.dlq = GroupCommitLog(AppendLog(s.dlq_dir, "dlq", lim.roll_bytes, lim.roll_seconds))
        self._roller = asyncio.get_running_loop().create_task(self._roll_forever())
        if self.bare:
            bare_dir = s.home / "bench-bare"
            bare_dir.mkdir(parents=True, exist_ok=True)
            self._bare_fd = os.open(
                bare_dir / f"{self.worker}.ndjson", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644
            )

    async def _roll_forever(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = time.time()
            for log in (self.bronze, self.dlq):
                if log is not None:
                    with contextlib.suppress(IngestError):  # the next write reports it
                        log.log.roll_if_due(now)
            if self.settings.storage_root:
                await self._push_sealed()

    async def _push_sealed(self) -> None:
        """CLOUD-3: upload newly sealed Bronze files to the Object-Lock bucket, off the
        event loop. Acks never wait for S3 (Bronze is durable on local disk first); after
        an S3 error the files stay local and go on a later tick."""
        from lakehouse.cloud.s3 import push_bronze, sync_bronze

        assert self.bronze is not None
        sealed = list(self.bronze.log.sealed)
        try:
            if self._pushed < 0:  # first tick: whatever a crash or an outage left behind
                await asyncio.to_thread(sync_bronze, self.settings)
            elif len(sealed) > self._pushed:
                await asyncio.to_thread(push_bronze, self.settings, sealed[self._pushed :])
            self._pushed = len(sealed)
        except Exception as exc:
            _log.warning(
                "pushing sealed Bronze to %s failed, retrying: %s", self.settings.storage_root, exc
            )

    def shutdown(self) -> None:
        if self._roller is not None:
            self._roller.cancel()
        for log in (self.bronze, self.dlq):
            if log is not None:
                log.close()
                with contextlib.suppress(IngestError):  # full disk: the next start recovers it
                    log.log.close()
        if self.settings.storage_root:  # the files close() just sealed
            from lakehouse.cloud.s3 import sync_bronze

            try:
                sync_bronze(self.settings)
            except Exception as exc:
                _log.warning("pushing sealed Bronze at shutdown failed: %s", exc)
        if self._bare_fd is not None:
            os.close(self._bare_fd)

    # -- ASGI --------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                try:
                    self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        if path == "/e":
            if method != "POST":
                return await _respond(
                    send, 405, {"error": "use POST /e with a JSON event or array of events"}
                )
            return await self._ingest(scope, receive, send)
        if path == "/healthz" and method in ("GET", "HEAD"):
            return await _respond(send, 200, {"status": "ok", "worker": self.worker})
        if path == "/_bare" and self.bare and method == "POST":
            return await self._bare(scope, receive, send)
        await _respond(
            send, 404, {"error": f"no route {method} {path}; use POST /e or GET /healthz"}
        )

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.settings.limits.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            msg = await receive()
            chunk = msg.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
            if not msg.get("more_body", False):
                return b"".join(chunks)

    async def _ingest(self, scope: Scope, receive: Receive, send: Send) -> None:
        lim = self.settings.limits
        try:
            body = await self._read_body(scope, receive)
        except _TooLarge:
            return await _respond(
                send,
                413,
                {
                    "error": f"body exceeds {lim.max_body_bytes} bytes; send smaller batches (≤ {lim.max_batch_events} events, ≤ 1 MiB)."
                },
            )
        try:
            events, raws, unique_keys = decode_body(body)
        except BodyError as exc:
            return await _respond(send, 400, {"error": str(exc)})
        if len(events) > lim.max_batch_events:
            return await _respond(
                send,
                413,
                {
                    "error": f"batch has {len(events)} events; the limit is {lim.max_batch_events} per request — split it."
                },
            )
        now = time.time()
        out = process(
            self.validator,
            events,
            raws,
            now=now,
            batch_id="bat_" + new_ulid(now),
            origin="http",
            unique_keys=unique_keys,
        )
        del body, events, raws  # free the decoded batch now, not after the fsync round
        assert self.bronze is not None and self.dlq is not None
        try:
            waits = []
            if out.bronze:
                waits.append(self.bronze.append(b"".join(out.bronze), out.accepted, now))
            if out.dlq:
                waits.append(self.dlq.append(b"".join(out.dlq), len(out.dlq), now))
            if len(waits) == 1:  # the common case: no task per log
                await waits[0]
            elif waits:
                await asyncio.gather(*waits)
        except IngestError as exc:  # the disk refused: nothing acknowledged, retry later
            return await _respond(send, 503, {"error": str(exc)}, _RETRY_AFTER)
        await _respond(send, 200, {"accepted": out.accepted, "rejected": out.rejected})

    async def _bare(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await self._read_body(scope, receive)
        doc = orjson.loads(body)
        items = doc if isinstance(doc, list) else [doc]
        data = b"".join(orjson.dumps(e) + b"\n" for e in items)
        assert self._bare_fd is not None
        os.write(self._bare_fd, data)
        await _respond(send, 200, {"accepted": len(items), "rejected": []})


async def _respond(
    send: Send, status: int, payload: dict[str, Any], extra: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    body = orjson.dumps(payload)
    await send({"type": "http.response.start", "status": status,
                "headers": [*_JSON, *extra, (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def create_app() -> IngestApp:
    """uvicorn factory: each worker process builds its own app from the environment."""
    return IngestApp(load_settings(), bare=os.environ.get("LAKEHOUSE_BENCH_BARE") == "1")
