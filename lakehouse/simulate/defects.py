"""Deliberately bad lines, one defect each, so every DLQ reason (ING-5) is exercised.

Each bad event starts as a valid-looking event with its own fresh ids (so rejecting it
never removes anything from a real identity) and then breaks exactly one rule. Variants
cycle in a fixed order so even the minimum count covers each listed example.
"""

from __future__ import annotations

from typing import Any

import orjson

from lakehouse.simulate.actors import CONSENT_FULL
from lakehouse.simulate.ids import rid, ulid
from lakehouse.simulate.sessions import QUERIES
from lakehouse.simulate.sim import Sim
from lakehouse.simulate.truth import REJECT_REASONS

BAD_SHARE = 0.005
MIN_PER_REASON = 5
TOO_LARGE_PAD = 66_000  # payload filler: the line ends up > 64 KiB (ING-5 too_large)
_WEIGHTS = {
    "invalid_json": 15,
    "not_an_object": 10,
    "unknown_event": 15,
    "unknown_version": 10,
    "schema_violation": 25,
    "bad_timestamp": 15,
    "pii_detected": 10,
}
_NOT_OBJECTS = (b"42", b'"hello"', b"null", b"true", b"3.5")
_UNKNOWN_NAMES = ("foo.bar_baz", "profile.teleport", "search.autocomplete")
_UNKNOWN_VERSIONS = (9, 42)
_PII = (
    ("user_id", "jane.doe@example.com"),
    ("anon_id", "+44 7700 900123"),
    ("user_id", "max.mustermann@example.org"),
    ("anon_id", "+49 151 23456789"),
)


def plan_rejects(events: int) -> dict[str, int]:
    """How many bad lines of each reason a file of `events` lines gets (≈0.5%)."""
    too_large = 1 + events // 1_000_000
    budget = max(round(events * BAD_SHARE) - too_large, 0)
    total = sum(_WEIGHTS.values())
    counts = {r: max(MIN_PER_REASON, round(budget * w / total)) for r, w in _WEIGHTS.items()}
    counts["too_large"] = too_large
    return {r: counts[r] for r in REJECT_REASONS}


def _event(sim: Sim, ts: int, name: str = "search.query") -> dict[str, Any]:
    """A valid client event of `name` with fresh ids."""
    rng = sim.rng
    city = sim.pick_city()
    profile = rng.choice(sim.world.profiles_by_city[city.city_id])
    payloads: dict[str, dict[str, Any]] = {
        "search.query": {
            "query_id": rid("q_", rng),
            "query": rng.choice(QUERIES),
            "results_count": rng.randrange(1, 50),
            "city": city.name,
        },
        "search.result_click": {
            "query_id": rid("q_", rng),
            "impression_id": rid("imp_", rng),
            "profile_id": profile.profile_id,
            "rank": rng.randint(1, 20),
        },
        "checkout.start": {
            "checkout_id": rid("chk_", rng),
            "profile_id": profile.profile_id,
            "amount_cents": profile.base_price_cents,
            "currency": city.currency,
        },
        "app.start": {"platform": "web", "app_version": "4.2.1"},
    }
    return {
        "event_id": ulid(ts, rng),
        "event_name": name,
        "event_version": 1,
        "event_ts": sim.clock.fmt(ts),
        "anon_id": rid("anon_", rng),
        "user_id": None,
        "session_id": rid("ses_", rng),
        "seq": 1,
        "device_id": rid("dev_", rng),
        "source": "web",
        "page_path": "/search",
        "referrer": None,
        "country": city.country,
        "city": city.name,
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
        "utm_content": None,
        "utm_term": None,
        "click_token": None,
        "consent": CONSENT_FULL,
        "payload": payloads[name],
    }


def _schema_violation(sim: Sim, ts: int, i: int) -> dict[str, Any]:
    variant = i % 7
    if variant == 0:
        ev = _event(sim, ts, "search.query")
        del ev["payload"]["results_count"]  # missing required payload field
    elif variant == 1:
        ev = _event(sim, ts, "search.result_click")
        ev["payload"]["rank"] = str(ev["payload"]["rank"])  # wrong type
    elif variant == 2:
        ev = _event(sim, ts)
        ev["country"] = "FRA"  # alpha-3, not alpha-2
    elif variant == 3:
        ev = _event(sim, ts, "checkout.start")
        ev["payload"]["amount_cents"] = -500  # below the minimum
    elif variant == 4:
        ev = _event(sim, ts)
        ev["source"] = "desktop"  # not in the enum
    elif variant == 5:
        ev = _event(sim, ts)
        ev["consent"] = {"analytics": True}  # consent.marketing missing
    else:
        ev = _event(sim, ts, "app.start")
        ev["payload"]["platform"] = "windows"  # not in the enum
    return ev


def _bad_timestamp(sim: Sim, ts: int, i: int) -> str:
    day = sim.clock.fmt(ts)[:10]
    return (
        f"{day} 10:00:00",
        "yesterday",
        "2099-01-01T00:00:00Z",
        "2026-02-30T12:00:00Z",
        "1791201600",
    )[i % 5]


def bad_line(sim: Sim, reason: str, i: int, ts: int) -> bytes:
    """The i-th bad line of `reason`, stamped (where it has a time) at `ts`."""
    if reason == "not_an_object":
        return _NOT_OBJECTS[i % len(_NOT_OBJECTS)]
    if reason == "schema_violation":
        return orjson.dumps(_schema_violation(sim, ts, i))
    ev = _event(sim, ts)
    if reason == "invalid_json":
        line = orjson.dumps(ev)
        return line[: sim.rng.randrange(14, len(line) - 1)]  # truncated mid-object
    if reason == "unknown_event":
        ev["event_name"] = _UNKNOWN_NAMES[i % len(_UNKNOWN_NAMES)]
    elif reason == "unknown_version":
        ev["event_version"] = _UNKNOWN_VERSIONS[i % len(_UNKNOWN_VERSIONS)]
    elif reason == "bad_timestamp":
        ev["event_ts"] = _bad_timestamp(sim, ts, i)
    elif reason == "too_large":
        ev["payload"]["blob"] = "x" * TOO_LARGE_PAD
    elif reason == "pii_detected":
        key, value = _PII[i % len(_PII)]
        ev[key] = value
    else:
        raise ValueError(f"unknown reject reason {reason!r}")
    return orjson.dumps(ev)


def emit_rejects(sim: Sim, counts: dict[str, int]) -> None:
    """Scatter the planned bad lines uniformly over the window's delivery order."""
    clock, rng = sim.clock, sim.rng
    for reason, n in counts.items():
        for i in range(n):
            ts = clock.t0 + rng.randrange(clock.t1 - clock.t0)
            sim.out.writer.add(ts, bad_line(sim, reason, i, ts))
