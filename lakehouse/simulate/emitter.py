"""Builds the ING-2 envelope around a payload, serializes it, and decides its delivery.

This is the hot path (one call per event): plain dicts in a fixed key order, timestamps
from lookup tables, one `orjson.dumps`. Delivery quirks that do not change an event's
content — duplicates, late arrival — are decided here, as is the rare unknown field.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from lakehouse.simulate.actors import Actor, Device
from lakehouse.simulate.clock import DAY_MS, HOUR_MS, MIN_MS, OFFSETS, Clock
from lakehouse.simulate.ids import rid, ulid
from lakehouse.simulate.writer import DeliveryWriter

P_OFFSET_TS = 0.02
P_DUPLICATE = 0.01
P_LATE = 0.005
P_UNKNOWN_FIELD = 0.002
# A late line lands 2.5-3 days after its event: past a half day of events ≥2 days newer,
# so even a sparse file shows it behind newer data.
LATE_MIN_MS = 2 * DAY_MS + 12 * HOUR_MS
LATE_SPREAD_MS = 12 * HOUR_MS

CONSENT_EVENT = "consent.update"  # keeps its identity in Silver even with consent off
FUNNEL = ("search.query", "profile.view", "message.sent", "checkout.start", "checkout.complete")
_FUNNEL_STEP = {name: i for i, name in enumerate(FUNNEL)}

Payload = dict[str, Any]


@dataclass(frozen=True)
class Marketing:
    """The marketing fields a touch event carries."""

    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_content: str | None
    utm_term: str | None
    click_token: str | None
    referrer: str | None


class Session:
    """A client session: envelope context plus its seq counter and FUN-1 progress."""

    __slots__ = ("actor", "device", "seq", "session_id", "step")

    def __init__(self, actor: Actor, device: Device, session_id: str) -> None:
        self.actor = actor
        self.device = device
        self.session_id = session_id
        self.seq = 0
        self.step = 0


@dataclass
class Tally:
    """Counters over valid events, filled as they are emitted."""

    days: int
    by_name: Counter[str] = field(default_factory=Counter)
    by_day: list[int] = field(default_factory=list)
    late_by_day: list[int] = field(default_factory=list)
    valid: int = 0
    deliveries: int = 0
    duplicates: int = 0
    late: int = 0
    unknown_fields: int = 0
    offset_ts: int = 0
    sessions: int = 0
    funnel: list[int] = field(default_factory=lambda: [0] * len(FUNNEL))
    user_ids: set[str] = field(default_factory=set)
    # The same facts as Silver keeps them (PRIV-2): a consent-off event has no identifiers,
    # except its consent.update, which keeps user and anon id; that event alone is the
    # identity's activity, so it is one Gold session of its own, reaching no funnel step.
    identified_user_ids: set[str] = field(default_factory=set)
    identified_anon_ids: set[str] = field(default_factory=set)
    linked_anon_ids: set[str] = field(default_factory=set)  # seen with a user_id
    identified_sessions: int = 0
    identified_funnel: list[int] = field(default_factory=lambda: [0] * len(FUNNEL))

    def __post_init__(self) -> None:
        self.by_day = [0] * self.days
        self.late_by_day = [0] * self.days


class Emitter:
    """Turns (context, name, time, payload) into a delivered NDJSON line."""

    def __init__(self, rng: random.Random, clock: Clock, writer: DeliveryWriter) -> None:
        self.rng = rng
        self.clock = clock
        self.writer = writer
        self.tally = Tally(clock.days)
        self._late_limit = clock.t1 - LATE_MIN_MS - LATE_SPREAD_MS

    def open_session(self, actor: Actor, device: Device) -> Session:
        self.tally.sessions += 1
        self.tally.identified_sessions += actor.consent["analytics"]
        return Session(actor, device, rid("ses_", self.rng))

    def close_session(self, s: Session) -> None:
        t = self.tally
        for i in range(s.step):
            t.funnel[i] += 1
            t.identified_funnel[i] += s.actor.consent["analytics"]

    def client(
        self,
        s: Session,
        name: str,
        ts: int,
        payload: Payload,
        page_path: str | None = None,
        mk: Marketing | None = None,
    ) -> str:
        """Emit a client event in session `s`; returns its event_id."""
        s.seq += 1
        dev = s.device
        actor = s.actor
        user_id = actor.user_id if dev.logged_in else None
        if user_id is not None:
            dev.linked = True
        dev.used = True
        actor.last_ts = ts
        event_id = ulid(ts, self.rng)
        ev: dict[str, Any] = {
            "event_id": event_id,
            "event_name": name,
            "event_version": 1,
            "event_ts": None,  # set in _ship
            "anon_id": dev.anon_id,
            "user_id": user_id,
            "session_id": s.session_id,
            "seq": s.seq,
            "device_id": dev.device_id,
            "source": dev.source,
            "page_path": page_path,
            "referrer": None,
            "country": actor.city.country,
            "city": actor.city.name,
            "utm_source": None,
            "utm_medium": None,
            "utm_campaign": None,
            "utm_content": None,
            "utm_term": None,
            "click_token": None,
            "consent": actor.consent,
            "payload": payload,
        }
        if mk is not None:
            ev["referrer"] = mk.referrer
            ev["utm_source"] = mk.utm_source
            ev["utm_medium"] = mk.utm_medium
            ev["utm_campaign"] = mk.utm_campaign
            ev["utm_content"] = mk.utm_content
            ev["utm_term"] = mk.utm_term
            ev["click_token"] = mk.click_token
        step = _FUNNEL_STEP.get(name)
        if step is not None and step == s.step:
            s.step += 1
        self._ship(ev, ts, name, user_id)
        return event_id

    def server(
        self, actor: Actor, user_id: str, name: str, ts: int, payload: Payload
    ) -> str | None:
        """Emit a server-side event (no anon/session/seq/device); skipped past the window."""
        if ts >= self.clock.t1:
            return None
        event_id = ulid(ts, self.rng)
        ev: dict[str, Any] = {
            "event_id": event_id,
            "event_name": name,
            "event_version": 1,
            "event_ts": None,  # set in _ship
            "anon_id": None,
            "user_id": user_id,
            "session_id": None,
            "seq": None,
            "device_id": None,
            "source": "server",
            "page_path": None,
            "referrer": None,
            "country": actor.city.country,
            "city": actor.city.name,
            "utm_source": None,
            "utm_medium": None,
            "utm_campaign": None,
            "utm_content": None,
            "utm_term": None,
            "click_token": None,
            "consent": actor.consent,
            "payload": payload,
        }
        self._ship(ev, ts, name, user_id)
        return event_id

    def _ship(self, ev: dict[str, Any], ts: int, name: str, user_id: str | None) -> None:
        clock = self.clock
        if not clock.t0 <= ts < clock.t1:
            raise RuntimeError(f"simulator bug: {name} at {ts} is outside the window")
        t = self.tally
        rng = self.rng
        r = rng.random()
        if r < P_OFFSET_TS:
            t.offset_ts += 1
            suffix, offset = OFFSETS[int(r / P_OFFSET_TS * len(OFFSETS))]
            ev["event_ts"] = clock.fmt_offset(ts, suffix, offset)
        else:
            ev["event_ts"] = clock.fmt(ts)
        r = rng.random()
        if r < P_UNKNOWN_FIELD:
            # Half on the envelope, half in the payload (ING-4: flagged, not rejected).
            if r < P_UNKNOWN_FIELD / 2:
                ev["ab_flag"] = "beta_cohort"
            else:
                ev["payload"] = {**ev["payload"], "debug_build": "2026.10.7-rc1"}
            t.unknown_fields += 1
        line = orjson.dumps(ev)
        day = (ts - clock.t0) // DAY_MS
        t.valid += 1
        t.by_name[name] += 1
        t.by_day[day] += 1
        if user_id is not None:
            t.user_ids.add(user_id)
        if ev["consent"]["analytics"] or name == CONSENT_EVENT:  # what Silver identifies
            if user_id is not None:
                t.identified_user_ids.add(user_id)
            anon_id = ev["anon_id"]
            if anon_id is not None:
                t.identified_anon_ids.add(anon_id)
                if user_id is not None:
                    t.linked_anon_ids.add(anon_id)
            if name == CONSENT_EVENT and not ev["consent"]["analytics"]:
                t.identified_sessions += 1
        writer = self.writer
        r = rng.random()
        if r < P_DUPLICATE:
            writer.add(ts, line)
            writer.add(ts + MIN_MS + int(rng.random() * 6 * HOUR_MS), line)
            t.duplicates += 1
            t.deliveries += 2
        elif r < P_DUPLICATE + P_LATE and ts < self._late_limit:
            writer.add(ts + LATE_MIN_MS + int(rng.random() * LATE_SPREAD_MS), line)
            t.late += 1
            t.late_by_day[day] += 1
            t.deliveries += 1
        else:
            writer.add(ts, line)
            t.deliveries += 1
