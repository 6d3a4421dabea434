"""Bulk loading of NDJSON files through exactly the validation HTTP ingest uses (ING-1).

Each line is one event. A line that is not JSON is dead-lettered as `invalid_json`;
blank lines are skipped. Lines are validated in chunks, appended to Bronze/DLQ logs
of this process, and fsync-ed per chunk; files are sealed at the end. With a storage
root on S3 (CLOUD-3) the sealed Bronze files are then pushed to the Object-Lock bucket.
"""

from __future__ import annotations

import gzip
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from lakehouse.clock import now_ts
from lakehouse.config import Settings
from lakehouse.errors import InputFileError
from lakehouse.ids import new_ulid
from lakehouse.ingest.body import unique_keys
from lakehouse.ingest.logfile import AppendLog, recover
from lakehouse.ingest.records import dlq_line, iso_utc, process
from lakehouse.ingest.validate import Rejection, Validator
from lakehouse.observability.runlog import recorded

CHUNK = 5000
_INVALID_JSON = "line is not valid JSON ({err}); fix the producer so each line is one JSON event."


@dataclass
class LoadResult:
    accepted: int = 0
    rejected: int = 0
    skipped_blank: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    pushed: list[str] = field(default_factory=list)  # Bronze objects uploaded (S3 lake)


def _open(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise InputFileError(
            f"{path}: no such file; pass NDJSON files produced by `lakehouse generate` or a client."
        )
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


def _chunks(fh: IO[bytes]) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    for line in fh:
        chunk.append(line)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@recorded("load", lambda r: (r.accepted + r.rejected, r.accepted))
def load_files(
    settings: Settings,
    paths: list[Path],
    validator: Validator | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Validate and land every line of `paths`; `on_progress(bytes)` is called per chunk."""
    s = settings.ensure()
    validator = validator or Validator(limits=s.limits)
    recover(s.bronze_dir)
    recover(s.dlq_dir)
    bronze = AppendLog(s.bronze_dir, "evt", s.limits.roll_bytes, float("inf"))
    dlq = AppendLog(s.dlq_dir, "dlq", s.limits.roll_bytes, float("inf"))
    result = LoadResult()
    started = time.perf_counter()
    try:
        for path in paths:
            with _open(path) as fh:
                line_no = 0
                for chunk in _chunks(fh):
                    _load_chunk(validator, chunk, line_no, str(path), bronze, dlq, result)
                    line_no += len(chunk)
                    if on_progress:
                        on_progress(sum(len(x) for x in chunk))
        bronze.sync()
        dlq.sync()
    finally:
        bronze.close()
        dlq.close()
    if s.storage_root:
        from lakehouse.cloud.s3 import sync_bronze

        result.pushed = sync_bronze(s)
    result.seconds = time.perf_counter() - started
    return result


def _load_chunk(
    validator: Validator,
    lines: list[bytes],
    line_base: int,
    origin: str,
    bronze: AppendLog,
    dlq: AppendLog,
    result: LoadResult,
) -> None:
    now = now_ts()
    batch_id = "bat_" + new_ulid(now)
    events: list[Any] = []
    raws: list[bytes] = []
    index: list[int] = []
    bad: list[bytes] = []
    unique = True  # no event of the chunk repeats a key: `process` frames runs in one go
    for i, line in enumerate(lines):
        raw = line.rstrip(b"\r\n")
        if not raw.strip():
            result.skipped_blank += 1
            continue
        try:
            event = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            rej = Rejection("invalid_json", "", _INVALID_JSON.format(err=exc))
            bad.append(dlq_line(rej, raw, received_at=iso_utc(now), batch_id=batch_id,
                                index=line_base + i + 1, origin=origin))  # fmt: skip
            result.by_reason["invalid_json"] += 1
            continue
        unique = unique and unique_keys(raw, event)
        events.append(event)
        raws.append(raw)
        index.append(line_base + i + 1)
    out = process(
        validator, events, raws, now=now, batch_id=batch_id, origin=origin, positions=index,
        unique_keys=unique,
    )  # fmt: skip
    dlq_lines = bad + out.dlq
    result.by_reason.update(r["reason"] for r in out.rejected)
    if out.bronze:
        bronze.write(b"".join(out.bronze), now, out.accepted)
    if dlq_lines:
        dlq.write(b"".join(dlq_lines), now, len(dlq_lines))
    bronze.sync()
    dlq.sync()
    result.accepted += out.accepted
    result.rejected += len(dlq_lines)
