"""Identifier factories: ULID event ids, click tokens, entity ids — all drawn from one rng.

Every id is a pure function of the generator's `random.Random`, so a seed reproduces them.
Fixed-width random suffixes keep ids unique without bookkeeping and never let one id be a
prefix of another (DSAR byte scans rely on that).
"""

from __future__ import annotations

import random

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CODE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# 10 bits → two base32 characters; turns a 130-bit ULID into 13 table lookups.
_PAIRS = [a + b for a in CROCKFORD for b in CROCKFORD]


def ulid(ts_ms: int, rng: random.Random) -> str:
    """`evt_` + 26-char ULID: 10 chars of the ms timestamp (first char 0-7) + 80 random bits."""
    r = rng.getrandbits(80)
    p = _PAIRS
    return (
        "evt_"
        + p[(ts_ms >> 40) & 1023]
        + p[(ts_ms >> 30) & 1023]
        + p[(ts_ms >> 20) & 1023]
        + p[(ts_ms >> 10) & 1023]
        + p[ts_ms & 1023]
        + p[(r >> 70) & 1023]
        + p[(r >> 60) & 1023]
        + p[(r >> 50) & 1023]
        + p[(r >> 40) & 1023]
        + p[(r >> 30) & 1023]
        + p[(r >> 20) & 1023]
        + p[(r >> 10) & 1023]
        + p[r & 1023]
    )


def rid(prefix: str, rng: random.Random) -> str:
    """`prefix` + 20 lower-case hex chars (80 random bits: unique without bookkeeping)."""
    return f"{prefix}{rng.getrandbits(80):020x}"


def click_token(rng: random.Random) -> str:
    """`ct_` + 10 base62 chars, as growth surfaces issue them."""
    return "ct_" + "".join(rng.choices(_BASE62, k=10))


def referral_code(rng: random.Random) -> str:
    """8 upper-case alphanumerics (matches `^[A-Z0-9]{6,12}$`)."""
    return "".join(rng.choices(_CODE_CHARS, k=8))
