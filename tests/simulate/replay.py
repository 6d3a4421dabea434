"""An independent reading of a generated file, written from SPEC.md and the brief only.

Nothing here imports the simulator's logic: lines are classified with simple checks,
identities are stitched per ID-1, attribution follows §4 literally. Tests compare what
this finds with the truth file the generator wrote.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[2]
MAX_EVENT_BYTES = 64 * 1024
DAY_MS = 86_400_000

Check = Callable[[Any], bool]


def _s(v: Any) -> bool:
    return isinstance(v, str) and 1 <= len(v) <= 128


def _ns(v: Any) -> bool:
    return v is None or _s(v)


def _count(v: Any) -> bool:
    return type(v) is int and v >= 0


def _pos(v: Any) -> bool:
    return type(v) is int and v >= 1


def _bool(v: Any) -> bool:
    return type(v) is bool


def _one_of(*options: str) -> Check:
    return lambda v: v in options


def _code(v: Any) -> bool:
    return isinstance(v, str) and re.fullmatch(r"[A-Z0-9]{6,12}", v) is not None


_CAMPAIGN = {"campaign_id": _s}
_PROMO = {"promo_id": _s, "slot": _pos, "is_sponsored": _bool}
PAYLOADS: dict[str, dict[str, Check]] = {
    "app.start": {"platform": _one_of("web", "ios", "android"), "app_version": _s},
    "user.signup": {"role": _one_of("buyer", "seller")},
    "user.login": {"method": _one_of("password", "google", "apple", "magic_link")},
    "user.logout": {},
    "search.query": {"query_id": _s, "query": _s, "results_count": _count, "city": _s},
    "search.result_click": {"query_id": _s, "impression_id": _s, "profile_id": _s, "rank": _pos},
    "profile.view": {"profile_id": _s, "studio_id": _ns},
    "message.sent": {"thread_id": _s, "to_profile_id": _s},
    "checkout.start": {
        "checkout_id": _s,
        "profile_id": _s,
        "amount_cents": _count,
        "currency": _one_of("EUR", "USD", "GBP"),
    },
    "checkout.complete": {
        "order_id": _s,
        "checkout_id": _s,
        "profile_id": _s,
        "amount_cents": _count,
        "currency": _one_of("EUR", "USD", "GBP"),
    },
    "order.refunded": {"order_id": _s, "amount_cents": _count},
    "dispute.opened": {"order_id": _s},
    "dispute.closed": {"order_id": _s, "outcome": _one_of("won", "lost")},
    "payout.paid": {"payout_id": _s, "order_id": _s, "amount_cents": _count},
    "landing.view": {"landing_id": _s},
    "growth.alert.click": _CAMPAIGN,
    "digest.click": _CAMPAIGN,
    "sharecard.click": _CAMPAIGN,
    "email.sent": _CAMPAIGN,
    "email.open": _CAMPAIGN,
    "email.click": _CAMPAIGN,
    "referral.signup": {"referrer_user_id": _s, "referral_code": _code},
    "referral.qualified": {"referrer_user_id": _s, "order_id": _s},
    "exp.view": {"exp_id": _s, "variant": _s},
    "exp.convert": {"exp_id": _s, "metric": _s},
    "consent.update": {"analytics": _bool, "marketing": _bool},
    "promo.impression": _PROMO,
    "promo.click": _PROMO,
}
SERVER_EVENTS = {
    "order.refunded",
    "dispute.opened",
    "dispute.closed",
    "payout.paid",
    "referral.qualified",
    "email.sent",
}
TOUCH_EVENTS = {
    "growth.alert.click",
    "digest.click",
    "sharecard.click",
    "search.result_click",
    "landing.view",
    "email.click",
    "promo.click",
}
FUNNEL = ("search.query", "profile.view", "message.sent", "checkout.start", "checkout.complete")
UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
ENVELOPE: dict[str, Check] = {
    "event_id": lambda v: (
        isinstance(v, str) and re.fullmatch(r"evt_[0-7][0-9A-HJKMNP-TV-Z]{25}", v) is not None
    ),
    "event_name": _s,
    "event_version": lambda v: type(v) is int and v >= 1,
    "event_ts": lambda v: isinstance(v, str),
    "anon_id": _ns,
    "user_id": _ns,
    "session_id": _ns,
    "seq": lambda v: v is None or _pos(v),
    "device_id": _ns,
    "source": _one_of("web", "app", "server"),
    "page_path": lambda v: v is None or isinstance(v, str),
    "referrer": lambda v: v is None or isinstance(v, str),
    "country": lambda v: (
        v is None or (isinstance(v, str) and re.fullmatch(r"[A-Z]{2}", v) is not None)
    ),
    "city": lambda v: v is None or isinstance(v, str),
    **{k: _ns for k in UTM},
    "click_token": lambda v: (
        v is None or (isinstance(v, str) and re.fullmatch(r"ct_[A-Za-z0-9_-]{6,64}", v) is not None)
    ),
    "consent": lambda v: (
        isinstance(v, dict) and _bool(v.get("analytics")) and _bool(v.get("marketing"))
    ),
    "payload": lambda v: isinstance(v, dict),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.I)
_PHONE = re.compile(r"^\+?[\d ()-]{7,}$")
_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})")


def parse_ts(value: str) -> int | None:
    """Epoch ms of an RFC 3339 timestamp with offset, else None."""
    if not _TS.fullmatch(value):
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def _schema_ok(ev: dict[str, Any]) -> bool:
    for key, check in ENVELOPE.items():
        if key not in ev or not check(ev[key]):
            return False
    if ev["source"] != "server" and ev["anon_id"] is None:
        return False
    fields = PAYLOADS[ev["event_name"]]
    return all(k in ev["payload"] and check(ev["payload"][k]) for k, check in fields.items())


def classify(raw: bytes, window: tuple[int, int]) -> tuple[str, Any]:
    """('valid', event) or (reject reason, None) — a line's fate under simple checks."""
    try:
        ev = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return "invalid_json", None
    if not isinstance(ev, dict):
        return "not_an_object", None
    if len(raw) > MAX_EVENT_BYTES:
        return "too_large", None
    if ev.get("event_name") not in PAYLOADS:
        return "unknown_event", None
    if ev.get("event_version") != 1:
        return "unknown_version", None
    ts = parse_ts(ev.get("event_ts", ""))
    if ts is None or not window[0] <= ts < window[1]:
        return "bad_timestamp", None
    for key in ("user_id", "anon_id"):
        v = ev.get(key)
        if isinstance(v, str) and (_EMAIL.search(v) or _PHONE.match(v)):
            return "pii_detected", None
    if not _schema_ok(ev):
        return "schema_violation", None
    ev["_ms"] = ts
    return "valid", ev


def load_channels(
    path: Path = ROOT / "seeds" / "channel_mapping.csv",
) -> Callable[[str | None, str | None], str]:
    with path.open(newline="") as fh:
        rows = {(r["utm_source"], r["utm_medium"]): r["channel_group"] for r in csv.DictReader(fh)}

    def channel(source: str | None, medium: str | None) -> str:
        return rows.get((source or "", medium or ""), rows.get(("*", medium or ""), "other"))

    return channel


@dataclass
class Replay:
    """Everything the tests recompute from the file alone."""

    lines: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # event_id → first delivery
    valid_deliveries: int = 0
    duplicates: int = 0
    duplicate_lines_identical: bool = True
    late: int = 0
    late_by_day: Counter[str] = field(default_factory=Counter)

    @classmethod
    def read(cls, path: Path, start: date, days: int) -> Replay:
        t0 = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp() * 1000)
        window = (t0, t0 + days * DAY_MS)
        r = cls()
        raw_by_id: dict[str, bytes] = {}
        newest = 0
        with path.open("rb") as fh:
            for raw in fh:
                raw = raw.rstrip(b"\n")
                r.lines += 1
                reason, ev = classify(raw, window)
                if reason != "valid":
                    r.rejected[reason] += 1
                    continue
                r.valid_deliveries += 1
                eid = ev["event_id"]
                if eid in r.events:
                    r.duplicates += 1
                    r.duplicate_lines_identical &= raw_by_id[eid] == raw
                    continue
                raw_by_id[eid] = raw
                r.events[eid] = ev
                if ev["_ms"] < newest - 2 * DAY_MS:
                    r.late += 1
                    r.late_by_day[day_of(ev["_ms"])] += 1
                newest = max(newest, ev["_ms"])
        return r

    def valid(self) -> list[dict[str, Any]]:
        return list(self.events.values())

    def identity_map(self) -> dict[str, str]:
        """ID-1: anon_id → user_id of the earliest event carrying both."""
        first: dict[str, tuple[int, str, str]] = {}
        for ev in self.events.values():
            a, u = ev["anon_id"], ev["user_id"]
            if a and u:
                key = (ev["_ms"], ev["event_id"], u)
                if a not in first or key < first[a]:
                    first[a] = key
        return {a: v[2] for a, v in first.items()}

    def identity(self, ev: dict[str, Any], stitched: dict[str, str]) -> str:
        return ev["user_id"] or stitched.get(ev["anon_id"]) or ev["anon_id"]


def day_of(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()


def attribute(
    r: Replay,
    lookback_days: int = 7,
    burst_max: int = 5,
    stitch: bool = True,
    token_first: bool = True,
) -> tuple[dict[str, str], set[str]]:
    """§4 last-non-direct channel per order_id, and the event_ids of fraud-burst touches.

    The keyword switches turn single rules off, to show each one changes some answer.
    """
    stitched = r.identity_map() if stitch else {}
    channel = load_channels()
    touches = [
        e for e in r.events.values()
        if e["event_name"] in TOUCH_EVENTS and (e["click_token"] or (e["utm_medium"] or "(direct)") != "(direct)")
    ]  # fmt: skip
    invalid: set[str] = set()
    for key in (lambda e: e["device_id"], lambda e: r.identity(e, stitched)):
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for e in touches:
            groups[(key(e), e["utm_campaign"])].append(e)
        for group in groups.values():
            group.sort(key=lambda e: e["_ms"])
            burst = [group[0]]
            for prev, e in itertools.pairwise(group):
                if e["_ms"] - prev["_ms"] < 10 * 60_000:
                    burst.append(e)
                    continue
                if len(burst) > burst_max:
                    invalid.update(x["event_id"] for x in burst)
                burst = [e]
            if len(burst) > burst_max:
                invalid.update(x["event_id"] for x in burst)
    by_identity: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in touches:
        if e["event_id"] not in invalid:
            by_identity[r.identity(e, stitched)].append(e)
    out = {}
    for o in r.events.values():
        if o["event_name"] != "checkout.complete":
            continue
        conv = o["_ms"]
        cands = [
            t
            for t in by_identity[r.identity(o, stitched)]
            if conv - lookback_days * DAY_MS <= t["_ms"] <= conv
        ]
        if not cands:
            out[o["payload"]["order_id"]] = "direct"
            continue
        win = max(
            cands,
            key=lambda t: (token_first and t["click_token"] is not None, t["_ms"], t["event_id"]),
        )
        out[o["payload"]["order_id"]] = channel(win["utm_source"], win["utm_medium"])
    return out, invalid
