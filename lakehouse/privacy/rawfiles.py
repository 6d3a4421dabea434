"""Removing ids from the write-once logs (Bronze, DLQ) by a privileged rewrite.

Bronze files are sealed read-only with a checksum manifest (LAKE-1); nothing in the
pipeline ever modifies them. A DSAR is the one privileged exception: a file holding
a deleted id is rewritten without it (a new file, fsynced, mode 0444, atomically
renamed over the old name), the old file's bytes are overwritten with zeros before
its inode is released, and the manifest entry gets the new checksum and a note of
the request that rewrote it. Lines that are the user's events are dropped; another
user's line that only mentions an id (e.g. `referrer_user_id`) keeps its line with
the id replaced by `[deleted]`. A dead letter mentioning an id is dropped whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from lakehouse.ingest.logfile import MANIFEST, SealedFile, list_sealed, recover
from lakehouse.ingest.validate import IDENTIFIER_FIELDS

DELETED = "[deleted]"


@dataclass
class RewriteStats:
    files_scanned: int = 0
    files_rewritten: int = 0
    files_removed: int = 0
    lines_dropped: int = 0
    lines_scrubbed: int = 0


def _owned(line: bytes, ids: frozenset[str]) -> bool:
    """True when the Bronze line is an event of the deleted identities."""
    try:
        event = orjson.loads(line).get("event")
    except orjson.JSONDecodeError:
        return True  # not JSON: cannot tell whose it is; it holds an id, so it goes
    if not isinstance(event, dict):
        return True
    return any(event.get(f) in ids for f in IDENTIFIER_FIELDS)


def scrub(data: bytes, ids: Sequence[str]) -> bytes:
    """`data` with every occurrence of an id replaced by `[deleted]` (quoted ones first)."""
    for i in ids:
        data = data.replace(b'"' + i.encode() + b'"', b'"' + DELETED.encode() + b'"')
        data = data.replace(i.encode(), DELETED.encode())
    return data


def _destroy(path: Path, size: int) -> None:
    """Overwrite a file's bytes with zeros in place (best effort: see README on SSDs/CoW)."""
    os.chmod(path, 0o600)
    with open(path, "r+b") as fh:
        fh.write(b"\0" * size)
        fh.flush()
        os.fsync(fh.fileno())


def _rewrite(root: Path, f: SealedFile, data: bytes, request_id: str) -> None:
    import hashlib

    man = root / MANIFEST / (Path(f.rel).name.removesuffix(".ndjson") + ".json")
    if not data:
        _destroy(f.path, f.bytes)
        f.path.unlink()
        man.unlink(missing_ok=True)
        return
    tmp = f.path.with_name(f".{f.path.name}.dsar-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
        os.fchmod(fd, 0o444)
    finally:
        os.close(fd)
    entry = orjson.loads(man.read_bytes())
    entry.update(
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        lines=data.count(b"\n"),
        rewritten_by=[*entry.get("rewritten_by", []), request_id],
    )
    man_tmp = man.with_suffix(".json.tmp")
    man_tmp.write_bytes(orjson.dumps(entry))
    _destroy(f.path, f.bytes)
    os.replace(tmp, f.path)
    os.replace(man_tmp, man)


def purge_log(
    root: Path, ids: Sequence[str], request_id: str, *, drop_mentions: bool, dry_run: bool
) -> RewriteStats:
    """Remove `ids` from every sealed file under `root` (Bronze when `drop_mentions` is
    False, the DLQ when True: there any line mentioning an id is dropped)."""
    stats = RewriteStats()
    if not ids:
        return stats
    if not dry_run:
        recover(root)  # seal parts a crashed writer left, so they are purged too
    # one C-speed regex pass per file finds the lines to touch; the rest is copied as is
    pattern = re.compile(
        b"|".join(re.escape(i.encode()) for i in sorted(ids, key=len, reverse=True))
    )
    wanted = frozenset(ids)
    for f in list_sealed(root):
        stats.files_scanned += 1
        data = f.path.read_bytes()
        starts = sorted({data.rfind(b"\n", 0, m.start()) + 1 for m in pattern.finditer(data)})
        if not starts:
            continue
        out: list[bytes] = []
        pos = 0
        for start in starts:
            end = data.find(b"\n", start)
            end = len(data) if end < 0 else end + 1
            out.append(data[pos:start])
            line = data[start:end]
            pos = end
            if drop_mentions or _owned(line, wanted):
                stats.lines_dropped += 1
            else:
                stats.lines_scrubbed += 1
                out.append(scrub(line, ids))
        out.append(data[pos:])
        new = b"".join(out)
        stats.files_removed += not new
        stats.files_rewritten += bool(new)
        if not dry_run:
            _rewrite(root, f, new, request_id)
    return stats
