"""A small ingest client: replay an NDJSON file to `POST /e` in batches.

Used by the demo and by anyone testing an endpoint. Lines that are not JSON cannot be
put in a JSON array, so each goes alone and the server refuses it with 400 — which is
what a real client sending garbage would see; they are counted as `invalid_json`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

from lakehouse.errors import IngestError, InputFileError


@dataclass
class SendResult:
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    seconds: float = 0.0


def _bodies(path: Path, batch: int, max_bytes: int) -> Iterator[tuple[bytes, int]]:
    """(body, n_events): compact JSON arrays of ≤ batch events and ≤ max_bytes."""
    buf: list[bytes] = []
    size = 2
    with open(path, "rb") as fh:
        for line in fh:
            raw = line.strip()
            if not raw:
                continue
            try:
                orjson.loads(raw)
            except orjson.JSONDecodeError:
                yield raw, 1
                continue
            if buf and (len(buf) >= batch or size + len(raw) + 1 > max_bytes):
                yield b"[" + b",".join(buf) + b"]", len(buf)
                buf, size = [], 2
            buf.append(raw)
            size += len(raw) + 1
    if buf:
        yield b"[" + b",".join(buf) + b"]", len(buf)


def send_file(
    path: Path,
    url: str,
    batch: int = 500,
    concurrency: int = 4,
    on_progress: Callable[[int], None] | None = None,
) -> SendResult:
    if not path.is_file():
        raise InputFileError(f"{path}: no such file; generate one with `lakehouse generate`.")
    result = SendResult()
    started = time.perf_counter()
    endpoint = url.rstrip("/") + "/e"
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:

        def post(item: tuple[bytes, int]) -> tuple[int, httpx.Response]:
            body, n = item
            for attempt in range(5):  # retries are safe: duplicates collapse in Silver (ING-6)
                try:
                    r = client.post(
                        endpoint, content=body, headers={"content-type": "application/json"}
                    )
                except httpx.TransportError as exc:
                    if attempt == 4:
                        raise IngestError(
                            f"cannot reach {endpoint}: {exc}; is `lakehouse serve` running?"
                        ) from exc
                    time.sleep(0.2 * 2**attempt)
                    continue
                if r.status_code != 503:
                    return n, r
                time.sleep(0.2 * 2**attempt)
            return n, r

        with ThreadPoolExecutor(concurrency) as pool:
            for n, r in pool.map(post, _bodies(path, batch, (1 << 20) - 1024)):
                result.requests += 1
                if r.status_code == 200:
                    ans = r.json()
                    result.accepted += ans["accepted"]
                    result.rejected.update(x["reason"] for x in ans["rejected"])
                elif r.status_code == 400:
                    result.rejected["invalid_json"] += n
                else:
                    raise IngestError(f"{endpoint} answered {r.status_code}: {r.text}")
                if on_progress:
                    on_progress(n)
    result.seconds = time.perf_counter() - started
    return result
