"""Durability under crashes and concurrency (ING-6, LAKE-1): real processes, kill -9."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest

from lakehouse.ingest.durable import GroupCommitLog
from lakehouse.ingest.logfile import RESERVE_BYTES, AppendLog, list_sealed, recover
from tests.conftest import Server
from tests.ingest.lakeread import bronze_lines, raw_event


def _hammer(
    srv: Server, make_events, stop: threading.Event, acked: list[bytes], errors: list[str]
) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            batch = make_events(20)
            raws = [orjson.dumps(e) for e in batch]
            try:
                r = client.post(srv.url + "/e", content=b"[" + b",".join(raws) + b"]")
            except httpx.TransportError:
                return  # the server died mid-request: nothing acknowledged
            if r.status_code == 200:
                assert r.json()["accepted"] == 20
                acked.extend(raws)
            else:
                errors.append(f"{r.status_code} {r.text}")


def _under_load(srv: Server, make_events, clients: int, seconds: float, crash: bool) -> list[bytes]:  # type: ignore[no-untyped-def]
    """Post from `clients` threads for `seconds`, then kill -9 (crash) or stop gracefully.
    Returns every event (as sent) that was acknowledged with a 200."""
    stop = threading.Event()
    acked: list[bytes] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_hammer, args=(srv, make_events, stop, acked, errors))
        for _ in range(clients)
    ]
    for t in threads:
        t.start()
    time.sleep(seconds)
    if crash:
        srv.kill9()  # every worker, mid-flight, no graceful shutdown
    stop.set()
    for t in threads:
        t.join(15)
    if not crash:
        srv.stop()
    assert not errors
    return acked


@pytest.mark.fault
def test_kill_9_under_load_loses_no_acknowledged_event(
    start_server: Callable[..., Server], make_events
) -> None:  # type: ignore[no-untyped-def]
    srv = start_server(workers=2)
    acked = _under_load(srv, make_events, clients=4, seconds=2.0, crash=True)
    assert len(acked) > 200, "the load should have been acknowledged many times before the kill"
    # A restart seals what the dead workers left in _inflight.
    start_server(workers=1).stop()
    lines = bronze_lines(srv.home)
    for line in lines:
        orjson.loads(line)  # no torn line survives recovery
    landed = {raw_event(x) for x in lines}
    missing = [a for a in acked if a not in landed]
    assert missing == [], f"{len(missing)} acknowledged events missing from Bronze"


@pytest.mark.fault
def test_two_workers_write_whole_lines_without_interleaving(
    start_server: Callable[..., Server], make_events
) -> None:  # type: ignore[no-untyped-def]
    srv = start_server(workers=2)
    # each client keeps one connection, which the kernel hands to a worker by its address
    # hash: with 6 clients all landed on one worker about 1 run in 32; with 16, 1 in 32768
    acked = _under_load(srv, make_events, clients=16, seconds=2.0, crash=False)
    lines = bronze_lines(srv.home)
    assert sorted(raw_event(x) for x in lines) == sorted(acked)  # each exactly once, whole
    writers = {f.rel.rsplit("/", 1)[1] for f in list_sealed(srv.home / "bronze")}
    assert len(writers) >= 2, "both workers should have written their own files"


def test_recovery_drops_only_a_torn_tail_and_seals(tmp_path: Path) -> None:
    log = AppendLog(tmp_path, "evt")
    now = 1_790_000_000.0  # 2026-09-21T14:13:20Z
    log.write(b'{"a":1}\n{"a":2}\n', now, 2)
    log.sync()
    part = next((tmp_path / "_inflight").iterdir())
    assert part.stat().st_size == RESERVE_BYTES  # the lines, then the zeroed reserve
    with open(part, "r+b") as fh:  # a crash mid-write leaves half a line where the next goes
        fh.seek(16)
        fh.write(b'{"a":')
    os.close(log._fd)  # type: ignore[arg-type]  # the process "dies": its lock goes away
    log._fd = None
    (sealed,) = recover(tmp_path)
    assert (
        sealed.rel
        == f"event_dt=2026-09-21/hour=14/{part.name.split('-')[0]}-{part.name.split('-')[1]}.ndjson"
    )
    assert sealed.path.read_bytes() == b'{"a":1}\n{"a":2}\n'
    assert (sealed.lines, sealed.bytes) == (2, 16)
    assert list_sealed(tmp_path, verify=True) == [sealed]
    assert recover(tmp_path) == []  # idempotent


def test_a_sync_is_a_full_fsync_only_after_the_file_grew(tmp_path: Path) -> None:
    log = AppendLog(tmp_path, "evt")
    now = 1_790_000_000.0
    log.write(b'{"a":1}\n', now, 1)
    part = next((tmp_path / "_inflight").iterdir())
    assert log.begin_sync()[:2] == (log._fd, True)  # a new file: its size is not durable yet
    assert log.begin_sync()[:2] == (log._fd, False)
    log.write(b'{"a":2}\n', now, 1)  # inside the reserve: fdatasync is enough
    assert log.begin_sync()[:2] == (log._fd, False)
    big = b'{"b":"' + b"x" * RESERVE_BYTES + b'"}\n'
    log.write(big, now, 1)  # past the reserve: the file grows by whole reserves
    assert part.stat().st_size == 2 * RESERVE_BYTES
    assert log.begin_sync()[:2] == (log._fd, True)
    log.sync_failed()  # a failed sync is retried in full
    assert log.begin_sync()[:2] == (log._fd, True)
    (sealed,) = [log.seal()]
    assert sealed is not None and sealed.path.read_bytes() == b'{"a":1}\n{"a":2}\n' + big
    assert log.begin_sync() is None  # sealed: nothing left to sync


def test_recovery_leaves_a_live_writers_file_alone(tmp_path: Path) -> None:
    log = AppendLog(tmp_path, "evt")
    log.write(b'{"a":1}\n', 1_790_000_000.0, 1)
    assert recover(tmp_path) == []  # flock held by a live writer
    log.close()
    assert len(list_sealed(tmp_path)) == 1


def test_files_roll_by_hour_and_size(tmp_path: Path) -> None:
    log = AppendLog(tmp_path, "evt", roll_bytes=20)
    t = 1_790_000_000.0
    log.write(b'{"n":1}\n', t, 1)
    log.write(b'{"n":2}\n', t, 1)
    log.write(b'{"n":3}\n', t, 1)  # 24 bytes would exceed 20: new file
    log.write(b'{"n":4}\n', t + 3600, 1)  # next hour: new file in the next partition
    log.close()
    files = list_sealed(tmp_path, verify=True)
    assert [(f.rel.split("/")[1], f.lines) for f in files] == [
        ("hour=14", 2),
        ("hour=14", 1),
        ("hour=15", 1),
    ]


def test_a_modified_sealed_file_fails_verification(tmp_path: Path) -> None:
    log = AppendLog(tmp_path, "evt")
    log.write(b'{"a":1}\n', 1_790_000_000.0, 1)
    (f,) = [log.seal()]
    assert f is not None
    os.chmod(f.path, 0o644)
    f.path.write_bytes(b'{"a":2}\n')
    with pytest.raises(Exception, match="checksum"):
        list_sealed(tmp_path, verify=True)


def test_a_cancelled_request_does_not_cancel_its_round(tmp_path: Path) -> None:
    """Shutdown may cancel one waiting request; the others in its fsync round still get
    their acknowledgement, and the round's lines are all on disk."""

    async def scenario() -> list[object]:
        group = GroupCommitLog(AppendLog(tmp_path, "evt"))
        first = asyncio.create_task(group.append(b'{"a":1}\n', 1_790_000_000.0, 1))
        second = asyncio.create_task(group.append(b'{"a":2}\n', 1_790_000_000.0, 1))
        await asyncio.sleep(0)  # both wrote and wait on the same round
        first.cancel()
        out = await asyncio.gather(first, second, return_exceptions=True)
        group.close()
        group.log.close()
        return out

    first, second = asyncio.run(scenario())
    assert isinstance(first, asyncio.CancelledError)
    assert second is None
    (sealed,) = list_sealed(tmp_path, verify=True)
    assert sealed.path.read_bytes() == b'{"a":1}\n{"a":2}\n'
