"""ULIDs for files, batches and runs: sortable by creation time, safe in paths."""

from __future__ import annotations

import os
import time

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid(at: float | None = None) -> str:
    """A 26-character ULID (48-bit ms timestamp + 80 random bits), Crockford base32."""
    ms = int((time.time() if at is None else at) * 1000)
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    out = []
    for _ in range(26):
        out.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))
