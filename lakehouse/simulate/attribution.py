"""Reference last-non-direct attribution (SPEC §4), used to plant `order_channel`.

Written from the spec's words, independently of the dbt models it checks:
ATT-2 touches of one identity inside the lookback, ATT-3 burst filter per device and per
identity on one utm_campaign, ATT-4 precedence (click_token, then latest event_ts, then
greatest event_id), channel from the seed mapping, else `direct`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable

from lakehouse.simulate.actors import Touch
from lakehouse.simulate.clock import DAY_MS, MIN_MS

CHECKOUT_LOOKBACK_MS = 7 * DAY_MS
BURST_GAP_MS = 10 * MIN_MS  # consecutive touches under this far apart share a burst
BURST_MAX_TOUCHES = 5  # a burst with more touches than this is invalid


def qualifies(t: Touch) -> bool:
    """ATT-2: a click_token, or a medium other than (direct)."""
    return t.has_token or (t.utm_medium or "(direct)") != "(direct)"


def bursts(touches: Iterable[Touch], key: Callable[[Touch], Hashable]) -> list[list[Touch]]:
    """Touches grouped by (key, utm_campaign) and split where the gap reaches 10 minutes."""
    groups: dict[tuple[Hashable, str | None], list[Touch]] = {}
    for t in touches:
        groups.setdefault((key(t), t.utm_campaign), []).append(t)
    out: list[list[Touch]] = []
    for group in groups.values():
        group.sort(key=lambda t: (t.ts, t.event_id))
        current = [group[0]]
        for prev, t in itertools.pairwise(group):
            if t.ts - prev.ts < BURST_GAP_MS:
                current.append(t)
            else:
                out.append(current)
                current = [t]
        out.append(current)
    return out


def invalid_touch_ids(touches: list[Touch], identity_of: Callable[[Touch], str]) -> set[str]:
    """event_ids of touches inside a burst of more than 5, per device or per identity."""
    bad: set[str] = set()
    for key in (lambda t: t.device_id, identity_of):
        for burst in bursts(touches, key):
            if len(burst) > BURST_MAX_TOUCHES:
                bad.update(t.event_id for t in burst)
    return bad


def winning_touch(
    conversion_ts: int, touches: Iterable[Touch], lookback_ms: int = CHECKOUT_LOOKBACK_MS
) -> Touch | None:
    """ATT-4 winner among valid qualifying touches with ts in [conversion − lookback, conversion]."""
    lo = conversion_ts - lookback_ms
    best: Touch | None = None
    best_key: tuple[bool, int, str] | None = None
    for t in touches:
        if lo <= t.ts <= conversion_ts:
            k = (t.has_token, t.ts, t.event_id)
            if best_key is None or k > best_key:
                best, best_key = t, k
    return best
