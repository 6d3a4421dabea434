"""The simulated window and cheap RFC 3339 formatting.

Formatting a million timestamps with `datetime` costs seconds; instead every string is
glued from precomputed day prefixes and second-of-day tables.
"""

from __future__ import annotations

import bisect
import random
from datetime import UTC, date, datetime, timedelta

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MIN_MS = 60_000

_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]
_MSZ = [f".{m:03d}Z" for m in range(1000)]
_MS = [f".{m:03d}" for m in range(1000)]

# Share of a day's sessions starting in each UTC hour: quiet nights, evening peak.
_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 7, 7, 6, 6, 7, 8, 9, 10, 10, 8, 5, 3)
_HOUR_CUM = [sum(_HOUR_WEIGHTS[: i + 1]) for i in range(24)]

# Offsets used for the ~2% of events stamped in local time (same instant, different text).
OFFSETS: tuple[tuple[str, int], ...] = (
    ("+02:00", 2 * HOUR_MS),
    ("-05:00", -5 * HOUR_MS),
    ("+01:00", HOUR_MS),
)


class Clock:
    """Milliseconds since the epoch for [start, start + days), with formatting helpers."""

    def __init__(self, start: date, days: int) -> None:
        self.start = start
        self.days = days
        self.t0 = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp() * 1000)
        self.t1 = self.t0 + days * DAY_MS
        # Prefixes for one day either side so local-offset stamps near the edges format too.
        self._prefix = [f"{(start + timedelta(days=d)).isoformat()}T" for d in range(-1, days + 2)]
        self.day_names = [(start + timedelta(days=d)).isoformat() for d in range(days)]

    def day_index(self, ts: int) -> int:
        return (ts - self.t0) // DAY_MS

    def fmt(self, ts: int) -> str:
        """`YYYY-MM-DDTHH:MM:SS.mmmZ` for an instant inside the window (± one day)."""
        rel = ts - self.t0
        day, tod = divmod(rel, DAY_MS)
        return self._prefix[day + 1] + _HMS[tod // 1000] + _MSZ[tod % 1000]

    def fmt_offset(self, ts: int, suffix: str, offset_ms: int) -> str:
        """The same instant written in a local time zone, e.g. `…T16:03:11.250+02:00`."""
        day, tod = divmod(ts + offset_ms - self.t0, DAY_MS)
        return self._prefix[day + 1] + _HMS[tod // 1000] + _MS[tod % 1000] + suffix

    def session_start(
        self, rng: random.Random, lo: int | None = None, hi: int | None = None
    ) -> int:
        """A start instant in [lo, hi) following the diurnal curve (days uniform)."""
        lo = self.t0 if lo is None else max(lo, self.t0)
        hi = self.t1 if hi is None else min(hi, self.t1)
        if hi <= lo:
            return lo
        for _ in range(8):
            day = (
                self.t0
                + rng.randrange((lo - self.t0) // DAY_MS, (hi - 1 - self.t0) // DAY_MS + 1) * DAY_MS
            )
            hour = bisect.bisect_right(_HOUR_CUM, rng.random() * _HOUR_CUM[-1])
            ts = day + min(hour, 23) * HOUR_MS + rng.randrange(HOUR_MS)
            if lo <= ts < hi:
                return ts
        return lo + rng.randrange(hi - lo)
