"""Sticky, deterministic variant assignment (SPEC EXP-2).

The bucket is the same integer the SQL side computes, so Python and dbt always agree:
`int(sha256(f"{exp_id}:{identity_id}").hexdigest()[:8], 16) % 10000`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

BUCKETS = 10_000

# Statuses under which the configured split applies; `killed` sends everyone to control.
_SPLIT_STATUSES = frozenset({"draft", "running", "stopped"})
_STATUSES = _SPLIT_STATUSES | {"killed"}


def bucket(exp_id: str, identity_id: str) -> int:
    """The identity's bucket in 0..9999 for this experiment."""
    digest = hashlib.sha256(f"{exp_id}:{identity_id}".encode()).hexdigest()
    return int(digest[:8], 16) % BUCKETS


def cutoffs(variants: Sequence[tuple[str, float]]) -> list[tuple[str, int]]:
    """Each variant with the exclusive upper bucket of its cumulative-weight range.

    Weights may be any positive scale (50/50, 0.5/0.5); the last variant always ends at
    10000 so rounding never leaves a bucket unassigned.
    """
    if not variants:
        raise ValueError("an experiment needs at least one variant")
    total = float(sum(w for _, w in variants))
    if total <= 0 or any(w < 0 for _, w in variants):
        raise ValueError(
            f"variant weights must be non-negative with a positive sum, got {list(variants)}"
        )
    out: list[tuple[str, int]] = []
    acc = 0.0
    for name, weight in variants:
        acc += weight
        out.append((name, round(acc / total * BUCKETS)))
    out[-1] = (out[-1][0], BUCKETS)
    return out


def assign(
    variants: Sequence[tuple[str, float]],
    exp_id: str,
    identity_id: str,
    status: str = "running",
    is_crawler: bool = False,
) -> str:
    """The variant for `identity_id`; the first variant is control.

    `killed` experiments and known crawlers always get control (no cloaking).
    """
    if status not in _STATUSES:
        raise ValueError(f"unknown experiment status {status!r}; use one of {sorted(_STATUSES)}")
    if not variants:
        raise ValueError("an experiment needs at least one variant")
    if status == "killed" or is_crawler:
        return variants[0][0]
    b = bucket(exp_id, identity_id)
    for name, upper in cutoffs(variants):
        if b < upper:
            return name
    return variants[-1][0]  # unreachable: the last cutoff is BUCKETS
