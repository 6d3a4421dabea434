"""The privacy audit log: append-only JSON lines, each chained to the one before.

Entry n stores `prev` (entry n-1's hash) and `hash = sha256(prev + canonical JSON of
{seq, at, action, details})`. Editing an entry changes its hash and breaks the next
link; removing one breaks `seq` or the link; removing the last one disagrees with
the head file (`audit.head`: last seq and hash). In production the head would be
written to an Object-Lock bucket so the log and its head cannot be rewritten together.
Details carry counts and salted id hashes, never an id.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from lakehouse.config import Settings
from lakehouse.errors import AuditError

LOG_FILE = "audit.jsonl"
HEAD_FILE = "audit.head"
GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    action: str
    details: dict[str, Any]
    prev: str
    hash: str


def _digest(prev: str, seq: int, at: str, action: str, details: dict[str, Any]) -> str:
    body = orjson.dumps(
        {"seq": seq, "at": at, "action": action, "details": details},
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(prev.encode() + body).hexdigest()


def log_path(settings: Settings) -> Path:
    return settings.privacy_dir / LOG_FILE


def _head_path(settings: Settings) -> Path:
    return settings.privacy_dir / HEAD_FILE


def _fsync_write(path: Path, data: bytes, append: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(path, flags, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def append(settings: Settings, action: str, details: dict[str, Any]) -> AuditEntry:
    """Append one entry (after verifying the chain so far) and move the head."""
    settings.privacy_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.privacy_dir / "audit.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries = verify(settings)
        prev = entries[-1].hash if entries else GENESIS
        seq = len(entries) + 1
        at = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        digest = _digest(prev, seq, at, action, details)
        entry = AuditEntry(seq, at, action, details, prev, digest)
        line = orjson.dumps(entry.__dict__, option=orjson.OPT_SORT_KEYS) + b"\n"
        _fsync_write(log_path(settings), line, append=True)
        head = _head_path(settings)
        tmp = head.with_suffix(".tmp")
        _fsync_write(tmp, orjson.dumps({"seq": seq, "hash": digest}), append=False)
        os.replace(tmp, head)
        return entry


def verify(settings: Settings) -> list[AuditEntry]:
    """Every entry, checked link by link against the head; `AuditError` at the first break."""
    path, head_path = log_path(settings), _head_path(settings)
    lines = path.read_bytes().splitlines() if path.is_file() else []
    entries: list[AuditEntry] = []
    prev = GENESIS
    for n, line in enumerate(lines, start=1):
        where = f"{path} line {n}"
        try:
            raw = orjson.loads(line)
            entry = AuditEntry(**raw)
        except (orjson.JSONDecodeError, TypeError) as exc:
            raise AuditError(
                f"{where} is not an audit entry ({exc}); the log was edited — restore it from backup."
            ) from None
        if entry.seq != n:
            raise AuditError(
                f"{where} has seq {entry.seq}, expected {n}: an entry was removed or reordered; "
                "restore the log from backup."
            )
        if entry.prev != prev:
            raise AuditError(
                f"{where} does not chain to the entry before it (prev hash differs): an entry was "
                "edited or removed; restore the log from backup."
            )
        if _digest(entry.prev, entry.seq, entry.at, entry.action, entry.details) != entry.hash:
            raise AuditError(
                f"{where} ({entry.action}) does not match its hash: the entry was edited; "
                "restore the log from backup."
            )
        entries.append(entry)
        prev = entry.hash
    head = orjson.loads(head_path.read_bytes()) if head_path.is_file() else None
    if head is None and entries:
        raise AuditError(
            f"{head_path} is missing but {path} has {len(entries)} entries: the head was removed; "
            "restore both from backup."
        )
    if head is not None and (head.get("seq"), head.get("hash")) != (len(entries), prev):
        raise AuditError(
            f"{path} ends at entry {len(entries)} but its head {head_path} records entry "
            f"{head.get('seq')}: entries at the end were removed or the head edited; restore from backup."
        )
    return entries
