"""A full disk during ingest (ING-6, LAKE-1): 503 with the cause and the fix, never a 500,
never a corrupt or half-acknowledged Bronze file; accepting again once space is freed.

Bronze lives on a 2 MiB tmpfs (the test runs as root; CI does). A ballast file on the
same tmpfs is what "freeing space" deletes.
"""

from __future__ import annotations

import contextlib
import errno
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from lakehouse.config import Settings
from lakehouse.ingest.logfile import INFLIGHT
from tests.conftest import Server
from tests.ingest.lakeread import bronze_lines, raw_event

pytestmark = pytest.mark.fault

BATCH = 50
BALLAST = 384 << 10


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str = "2m") -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:  # an unprivileged container: no way to make a small filesystem
        pytest.skip(f"cannot mount a tmpfs at {path} (needs root/CAP_SYS_ADMIN): {done.stderr}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def _post(client: httpx.Client, srv: Server, events: list[bytes]) -> httpx.Response:
    return client.post(srv.url + "/e", content=b"[" + b",".join(events) + b"]")


def _check_full(r: httpx.Response) -> None:
    assert r.status_code == 503, f"{r.status_code} {r.text}"
    msg = r.json()["error"]
    assert "no space left" in msg and "free space" in msg and "Nothing was acknowledged" in msg
    assert r.headers.get("retry-after"), "a 503 tells the client when to retry"


def _fill(path: Path) -> None:
    with open(path, "wb", buffering=0) as fh:
        while True:
            try:
                fh.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                return


def _sealed_soon(home: Path, events: int, within_s: float = 15.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if len(bronze_lines(home)) == events:
            return True
        time.sleep(0.2)
    return False


def test_full_disk_gives_503_then_recovers_without_loss_or_corruption(
    settings: Settings, start_server: Callable[..., Server], make_events
) -> None:  # type: ignore[no-untyped-def]
    acked: list[bytes] = []
    refused: list[bytes] = []
    servers: list[Server] = []
    with small_tmpfs(settings.bronze_dir) as bronze:
        try:
            (bronze / "ballast").write_bytes(b"\0" * BALLAST)
            # small and short-lived parts, so parts are also sealed (manifest + rename) on a full disk
            env = {"LAKEHOUSE_BRONZE_ROLL_BYTES": "65536", "LAKEHOUSE_BRONZE_ROLL_SECONDS": "1"}
            servers.append(start_server(workers=2, **env))
            srv = servers[0]
            statuses: list[int] = []
            with httpx.Client(timeout=30) as client:
                while statuses.count(503) < 30:  # keep going well past the first refusal
                    events = [orjson.dumps(e) for e in make_events(BATCH)]
                    r = _post(client, srv, events)
                    statuses.append(r.status_code)
                    if r.status_code == 200:
                        assert r.json() == {"accepted": BATCH, "rejected": []}
                        acked.extend(events)
                    else:
                        _check_full(r)
                        refused.extend(events)
                    assert len(statuses) < 400, "2 MiB should fill long before 400 batches"
                    if statuses.count(503) == 15:
                        # A batch no longer fits, but a manifest entry might: take the last
                        # pages too, so both workers' roll timers try to seal on a full disk.
                        _fill(bronze / "filler")
                        time.sleep(2.5)
                assert statuses.count(200) > 10, "some batches fit before the disk filled"
                (bronze / "ballast").unlink()  # the operator frees space
                (bronze / "filler").unlink()
                for _ in range(6):  # 6 × ~30 KB fits in the freed 384 KiB with room to seal
                    events = [orjson.dumps(e) for e in make_events(BATCH)]
                    r = _post(client, srv, events)
                    assert r.status_code == 200, f"after freeing space: {r.status_code} {r.text}"
                    acked.extend(events)
                # parts whose seal the full disk refused are sealed by the roll timer now,
                # without a restart, so refine can see them
                assert _sealed_soon(settings.home, len(acked)), "acknowledged parts stay unsealed"
                for _ in range(3):  # and some more that only a post-crash recovery seals
                    events = [orjson.dumps(e) for e in make_events(BATCH)]
                    assert _post(client, srv, events).status_code == 200
                    acked.extend(events)
            srv.kill9()  # leave open parts behind: the restart must seal them
            servers.append(start_server(workers=1))
            servers[-1].stop()
        finally:
            for s in servers:
                s.stop()
        assert not list((bronze / INFLIGHT).iterdir()), "every part was sealed"
        lines = bronze_lines(settings.home)  # verifies every file against its manifest checksum
        for line in lines:
            orjson.loads(line)
        landed = sorted(raw_event(x) for x in lines)
    assert landed == sorted(acked), "each acknowledged event exactly once, nothing refused"
    assert not set(refused) & set(landed)
