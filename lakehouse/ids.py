"""ULIDs for files, batches and runs: sortable by creation time, safe in paths."""

from __future__ import annotations

import os
import threading
import time

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last = 0  # last value issued by this process, to stay monotonic within a millisecond


def new_ulid(at: float | None = None) -> str:
    """A 26-character ULID (48-bit ms timestamp + 80 random bits), Crockford base32.

    Monotonic within a process: two ULIDs from the same millisecond sort in the
    order they were made (the second is the first plus one), so files and batches
    list in creation order.
    """
    global _last
    ms = int((time.time() if at is None else at) * 1000)
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    with _lock:
        if value >> 80 <= _last >> 80:
            value = _last + 1
        _last = value
    out = []
    for _ in range(26):
        out.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))
