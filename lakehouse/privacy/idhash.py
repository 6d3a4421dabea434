"""Salted hashes of identifiers: how tombstones and the audit log name a person.

A tombstone must still recognise a deleted id when it arrives again (refine drops
it), yet must not itself contain the id. A salted SHA-256 does both: the salt is
random per lake, kept in `privacy/salt` (mode 0400), so a hash cannot be reversed
by hashing a list of candidate ids without that file. DuckDB computes the same hash
(`sha256(salt || id)`), so refine checks a batch in SQL.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable

from lakehouse.config import Settings

SALT_FILE = "salt"


def salt(settings: Settings) -> str:
    """This lake's salt (hex), created on first use."""
    path = settings.privacy_dir / SALT_FILE
    if path.is_file():
        return path.read_text().strip()
    settings.privacy_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(value)
    os.chmod(tmp, 0o400)
    try:
        os.link(tmp, path)  # fails if another process created it first: keep theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def id_hash(salt_hex: str, value: str) -> str:
    """sha256(salt || value) as hex; equals DuckDB's `sha256(salt || value)`."""
    return hashlib.sha256((salt_hex + value).encode()).hexdigest()


def id_hashes(salt_hex: str, values: Iterable[str]) -> list[str]:
    return sorted({id_hash(salt_hex, v) for v in values})
