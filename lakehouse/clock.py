"""The pipeline's wall clock: when an event was received, refined, built.

`LAKEHOUSE_NOW` (RFC 3339, e.g. 2026-11-02T08:10:00Z) freezes it, so a test or a
replay can run load, refine and build "40 minutes apart" without waiting 40 minutes;
lag (OBS-2) is then measured exactly as in production. Unset, it is the system clock.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from lakehouse.errors import ConfigError

NOW_ENV = "LAKEHOUSE_NOW"


def now_ts() -> float:
    """Epoch seconds now (or the frozen `LAKEHOUSE_NOW`)."""
    raw = os.environ.get(NOW_ENV)
    if not raw:
        return time.time()
    try:
        frozen = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(
            f"{NOW_ENV}={raw!r} is not an RFC 3339 time; set it like 2026-11-02T08:10:00Z or unset it."
        ) from exc
    if frozen.tzinfo is None:
        frozen = frozen.replace(tzinfo=UTC)
    return frozen.timestamp()


def utcnow() -> datetime:
    """Now as an aware UTC datetime (or the frozen `LAKEHOUSE_NOW`)."""
    return datetime.fromtimestamp(now_ts(), UTC)
