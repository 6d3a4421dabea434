"""How the dashboards write numbers: one place, so every page and test agree."""

from __future__ import annotations


def money(cents: int | float, currency: str) -> str:
    return f"{cents / 100:,.0f} {currency}"


def pct(rate: float | None, digits: int = 1) -> str:
    """A rate as a percentage; an en dash when there is nothing to divide by."""
    return "–" if rate is None else f"{rate:.{digits}%}"


def rel_delta(now: float | None, before: float | None) -> str | None:
    """Relative change against the previous period (None: nothing to compare with)."""
    if now is None or not before:
        return None
    return f"{(now / before - 1) * 100:+.1f}%"


def pp_delta(now: float | None, before: float | None) -> str | None:
    """Change of a rate in percentage points (a relative change of a rate misleads)."""
    if now is None or before is None:
        return None
    return f"{(now - before) * 100:+.2f} pp"
