"""Planted pipeline faults (OBS-2…5, DQ-1): a generated file, then one defect per fault kind.

Faults are applied to the finished file as a rewrite, never inside the simulation, so
the simulated events (and the default output) stay byte-identical; a faulted file is
the clean file minus what a fault removed plus what it added. Each fault picks its
target from the file itself, deterministically, and records it under `faults` in the
truth file:

- `loss`      10% of the busiest event hour's client events are dropped (every copy);
              only events nothing else refers to (views, impressions, searches, app starts),
              of consenting sessions (consent-off events carry no session in Silver).
- `lag`       the last 2% of deliveries go to `<out>.delayed.ndjson`, to be loaded later and
              refined `refine_delay_minutes` after they arrive (the harness keeps the time).
- `drift`     from the busiest `search.query` hour of the second half of the window on, every
              `search.query` carries an undeclared payload field `ranker_variant`.
- `gmv_drop`  every order completed on the third-last day costs 30% of its price (checkout,
              refund and payout amounts of those orders scale with it, so they still reconcile).
- `dlq_burst` 3% of the file's line count (at least 100) of schema-violating `search.query`
              lines are inserted together in the middle of the file.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from lakehouse.errors import ConfigError
from lakehouse.ingest.validate import Rejection, Validator
from lakehouse.simulate.ids import ulid

FAULT_KINDS = ("loss", "lag", "drift", "gmv_drop", "dlq_burst")
LOSS_SHARE = 0.10
LOSS_CANDIDATES = frozenset({"profile.view", "promo.impression", "search.query", "app.start"})
LAG_SHARE = 0.02
LAG_REFINE_DELAY_MINUTES = 45
DRIFT_EVENT = "search.query"
DRIFT_FIELD = "ranker_variant"
GMV_FACTOR_TENTHS = 3
GMV_DAY_FROM_END = 3
DLQ_SHARE = 0.03
DLQ_MIN = 100
_FAULT_SALT = 0x0B5  # the fault rng never touches the simulation's


def delayed_path(out: Path) -> Path:
    """Where the `lag` fault puts the deliveries that arrive late."""
    return out.with_name(out.name + ".delayed.ndjson")


def check_kinds(kinds: Sequence[str], days: int) -> None:
    unknown = sorted(set(kinds) - set(FAULT_KINDS))
    if unknown:
        raise ConfigError(
            f"--fault {', '.join(unknown)} is not a fault kind; use any of {', '.join(FAULT_KINDS)}."
        )
    if "gmv_drop" in kinds and days < 7 + GMV_DAY_FROM_END:
        raise ConfigError(
            f"--fault gmv_drop needs --days of at least {7 + GMV_DAY_FROM_END} so the dropped day "
            "has 7 earlier days to be compared with; generate a longer window."
        )


@dataclass
class _Line:
    raw: bytes
    ev: dict[str, Any] | None  # None: not a JSON object or rejected by ingest (a bad line)

    @property
    def event_id(self) -> str | None:
        v = self.ev.get("event_id") if self.ev else None
        return v if isinstance(v, str) else None

    @property
    def name(self) -> str | None:
        v = self.ev.get("event_name") if self.ev else None
        return v if isinstance(v, str) else None

    @property
    def at(self) -> datetime | None:
        ts = self.ev.get("event_ts") if self.ev else None
        if not isinstance(ts, str):
            return None
        try:
            return datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None

    @property
    def is_client(self) -> bool:
        """A client event OBS-3 can count: it has a seq, and Silver keeps its session
        (a consent-off event reaches Silver without session or seq, PRIV-2)."""
        ev = self.ev or {}
        consent = ev.get("consent")
        consent_off = isinstance(consent, dict) and consent.get("analytics") is False
        return ev.get("source") in ("web", "app") and ev.get("seq") is not None and not consent_off

    def dump(self) -> None:
        assert self.ev is not None
        self.raw = orjson.dumps(self.ev)


@dataclass
class _File:
    lines: list[_Line]
    delayed: list[_Line] = field(default_factory=list)


def _read(out: Path, arrival: float) -> _File:
    """Every line; planted bad lines (what ingest would reject at `arrival`) carry no event."""
    validator = Validator()
    lines = []
    for raw in out.read_bytes().splitlines():
        try:
            ev = orjson.loads(raw)
        except orjson.JSONDecodeError:
            ev = None
        if isinstance(ev, dict) and isinstance(validator.check(ev, len(raw), arrival), Rejection):
            ev = None
        lines.append(_Line(raw, ev if isinstance(ev, dict) else None))
    return _File(lines)


def _hour(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:00:00Z")


def _loss(f: _File, _rng: random.Random) -> dict[str, Any]:
    by_hour: Counter[str] = Counter()
    seen: set[str] = set()
    candidates: dict[str, list[str]] = {}
    for line in f.lines:
        eid, at = line.event_id, line.at
        if not line.is_client or eid is None or at is None or eid in seen:
            continue
        seen.add(eid)
        by_hour[_hour(at)] += 1
        if line.name in LOSS_CANDIDATES:
            candidates.setdefault(_hour(at), []).append(eid)
    hour = min(by_hour, key=lambda h: (-by_hour[h], h))
    n_drop = round(by_hour[hour] * LOSS_SHARE)
    pool = candidates.get(hour, [])
    step = len(pool) / n_drop if n_drop else 1.0
    drop = {pool[int(i * step)] for i in range(min(n_drop, len(pool)))}
    f.lines = [line for line in f.lines if line.event_id not in drop]
    return {
        "kind": "loss",
        "event_hour": hour,
        "client_events_in_hour": by_hour[hour],
        "dropped_events": len(drop),
        "dropped_event_ids": sorted(drop),
    }


def _drift(f: _File, _rng: random.Random) -> dict[str, Any]:
    queries = [line for line in f.lines if line.name == DRIFT_EVENT and line.at is not None]
    first = min(line.at for line in queries if line.at)
    last = max(line.at for line in queries if line.at)
    middle = first + (last - first) / 2
    per_hour = Counter(_hour(line.at) for line in queries if line.at and line.at >= middle)
    start = min(per_hour, key=lambda h: (-per_hour[h], h))
    start_at = datetime.fromisoformat(start.replace("Z", "+00:00"))
    changed: set[str] = set()
    for line in queries:
        if line.at and line.at >= start_at and isinstance(line.ev.get("payload"), dict):  # type: ignore[union-attr]
            line.ev["payload"][DRIFT_FIELD] = "ltr-v2"  # type: ignore[index]
            line.dump()
            changed.add(line.event_id or "")
    in_hour = {line.event_id for line in queries if line.at and _hour(line.at) == start}
    return {
        "kind": "drift",
        "event_name": DRIFT_EVENT,
        "event_version": 1,
        "field": f"payload.{DRIFT_FIELD}",
        "event_hour": start,
        "events_in_onset_hour": len(in_hour),
        "events_with_field": len(changed),
    }


def _gmv_drop(f: _File, _rng: random.Random) -> dict[str, Any]:
    completes = [line for line in f.lines if line.name == "checkout.complete" and line.at]
    last_day = max(line.at for line in completes if line.at).date()
    day = last_day - timedelta(days=GMV_DAY_FROM_END - 1)
    orders: set[str] = set()
    checkouts: set[str] = set()
    before = after = 0
    done: set[str] = set()
    for line in completes:
        if line.at and line.at.date() == day:
            p = line.ev["payload"]  # type: ignore[index]
            orders.add(p["order_id"])
            checkouts.add(p["checkout_id"])
    for line in f.lines:
        p = line.ev.get("payload") if line.ev else None
        if not isinstance(p, dict) or not isinstance(p.get("amount_cents"), int):
            continue
        if p.get("order_id") in orders or (
            line.name == "checkout.start" and p.get("checkout_id") in checkouts
        ):
            if line.name == "checkout.complete" and line.event_id not in done:
                done.add(line.event_id or "")
                before += p["amount_cents"]
                after += p["amount_cents"] * GMV_FACTOR_TENTHS // 10
            p["amount_cents"] = p["amount_cents"] * GMV_FACTOR_TENTHS // 10
            line.dump()
    return {
        "kind": "gmv_drop",
        "order_dt": day.isoformat(),
        "orders": len(orders),
        "gmv_cents_before": before,
        "gmv_cents_after": after,
    }


def _dlq_burst(f: _File, rng: random.Random) -> dict[str, Any]:
    template = next(line for line in f.lines if line.name == DRIFT_EVENT and line.at)
    assert template.ev is not None and template.at is not None
    n = max(DLQ_MIN, round(len(f.lines) * DLQ_SHARE))
    ts_ms = int(template.at.timestamp() * 1000)
    burst = []
    for _ in range(n):
        ev = orjson.loads(orjson.dumps(template.ev))
        ev["event_id"] = ulid(ts_ms, rng)
        ev["payload"].pop("results_count", None)  # a required field missing: schema_violation
        ev["payload"].pop(DRIFT_FIELD, None)
        burst.append(_Line(orjson.dumps(ev), ev))
    at = len(f.lines) // 2
    f.lines[at:at] = burst
    return {"kind": "dlq_burst", "reason": "schema_violation", "lines": n, "at_line": at + 1}


def _lag(f: _File, _rng: random.Random) -> dict[str, Any]:
    n = max(1, round(len(f.lines) * LAG_SHARE))
    f.lines, f.delayed = f.lines[:-n], f.lines[-n:]
    return {"kind": "lag", "lines": n, "refine_delay_minutes": LAG_REFINE_DELAY_MINUTES}


_APPLY = {
    "loss": _loss,
    "drift": _drift,
    "gmv_drop": _gmv_drop,
    "dlq_burst": _dlq_burst,
    "lag": _lag,
}


def apply_faults(
    out: Path, kinds: Sequence[str], seed: int, window_end: datetime
) -> list[dict[str, Any]]:
    """Rewrite `out` with the faults `kinds` (in FAULT_KINDS order); returns their records.

    `window_end` stands in for the arrival time when deciding which lines are valid, so
    the choice never depends on the wall clock.
    """
    f = _read(out, (window_end + timedelta(days=1)).timestamp())
    rng = random.Random(seed ^ _FAULT_SALT)
    records = []
    # lag last: it splits off the tail of the file the other faults already changed
    for kind in sorted(set(kinds), key=lambda k: (k == "lag", FAULT_KINDS.index(k))):
        records.append(_APPLY[kind](f, rng))
    _write(out, f.lines)
    if f.delayed:
        _write(delayed_path(out), f.delayed)
        records[-1]["file"] = delayed_path(out).name
    return records


def _write(path: Path, lines: list[_Line]) -> None:
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(b"".join(line.raw + b"\n" for line in lines))
    tmp.replace(path)
