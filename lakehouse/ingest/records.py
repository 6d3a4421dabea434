"""From validated events to Bronze and DLQ lines: the one path HTTP and `load` share.

Bronze line: `{"received_at", "batch_id", "_unknown_fields", "event": <raw bytes>}` —
the event's bytes exactly as received, wrapped with ingest metadata (LAKE-1, ING-4).
DLQ line: reason code, JSON pointer, message, origin and the raw bytes (ING-5),
readable with any NDJSON reader and replayable with `lakehouse dlq replay`.
"""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from lakehouse.ingest.body import duplicate_key_pointer
from lakehouse.ingest.validate import Rejection, Validator


@functools.lru_cache(maxsize=1)
def _second_text(sec: int) -> str:
    return datetime.fromtimestamp(sec, UTC).strftime("%Y-%m-%dT%H:%M:%S.")


def iso_utc(ts: float) -> str:
    """Epoch seconds as RFC 3339 UTC with microseconds, e.g. 2026-10-05T14:03:11.250000Z.

    Every request stamps one, and strftime was ~3% of a worker's CPU: the date and time
    of day are formatted once per second, the microseconds (rounded as `datetime` does,
    half to even, carrying into the next second) per call."""
    frac, whole = math.modf(ts)
    us = round(frac * 1e6)
    sec = int(whole)
    if us >= 1_000_000:
        sec, us = sec + 1, us - 1_000_000
    elif us < 0:  # before the epoch: modf keeps the sign
        sec, us = sec - 1, us + 1_000_000
    return f"{_second_text(sec)}{us:06d}Z"


@dataclass
class Outcome:
    """Lines to append and the per-request answer (ING-1).

    `bronze` holds chunks of whole lines (a run of accepted events is framed as one
    chunk), `accepted` counts the lines in them; `dlq` holds one line per rejection.
    """

    bronze: list[bytes] = field(default_factory=list)
    dlq: list[bytes] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    accepted: int = 0


def dlq_line(
    rej: Rejection,
    raw: bytes,
    *,
    received_at: str,
    batch_id: str,
    index: int,
    origin: str,
    event: Any = None,
) -> bytes:
    ev = event if isinstance(event, dict) else {}
    rec: dict[str, Any] = {
        "received_at": received_at,
        "batch_id": batch_id,
        "origin": origin,
        "index": index,
        "reason": rej.reason,
        "pointer": rej.pointer,
        "message": rej.message,
        "event_id": ev.get("event_id") if isinstance(ev.get("event_id"), str) else None,
        "event_name": ev.get("event_name") if isinstance(ev.get("event_name"), str) else None,
    }
    try:
        rec["raw"] = raw.decode("utf-8")
    except UnicodeDecodeError:
        rec["raw"] = None
        rec["raw_b64"] = base64.b64encode(raw).decode("ascii")
    return orjson.dumps(rec) + b"\n"


def process(
    validator: Validator,
    events: list[Any],
    raws: list[bytes],
    *,
    now: float,
    batch_id: str,
    origin: str,
    positions: Sequence[int] | None = None,
    unique_keys: bool = False,
) -> Outcome:
    """Validate each event independently and render its Bronze or DLQ line.

    `positions` numbers the events for rejections (default: their index in `events`;
    the loader passes file line numbers). `unique_keys` says no event repeats a key in
    any object (`decode_body` knows); otherwise each accepted event is checked for one.
    """
    received_at = iso_utc(now)
    head = (
        b'{"received_at":"'
        + received_at.encode()
        + b'","batch_id":"'
        + batch_id.encode()
        + b'","_unknown_fields":'
    )
    head_known = head + b'[],"event":'
    out = Outcome()
    check = validator.check
    accept = validator.accept
    limit = now + validator.limits.max_future_skew_s
    bronze = out.bronze
    if len(events) != len(raws):
        raise ValueError(f"{len(events)} events but {len(raws)} raw spans")
    sep = b"}\n" + head_known
    run = validator.accept_run
    n = len(events)
    i = 0
    while i < n:
        if unique_keys:
            # No duplicate keys to look for: frame each run of events accepted with no
            # unknown fields with one join; only the event that ends it is slow.
            j = run(events, raws, limit, i)
            if j > i:
                bronze.append(head_known + sep.join(raws if j - i == n else raws[i:j]) + b"}\n")
                out.accepted += j - i
                if j == n:
                    break
                i = j
        event = events[i]
        raw = raws[i]
        # `run` already said "not sure" about this event: straight to the verdict.
        sure = not unique_keys and accept(event, len(raw), limit)
        verdict = () if sure else check(event, len(raw), now)
        pos = positions[i] if positions is not None else i
        i += 1
        if not unique_keys and type(verdict) is tuple and raw != orjson.dumps(event):
            dup = duplicate_key_pointer(raw)
            if dup is not None:
                verdict = Rejection(
                    "schema_violation", dup,
                    f"{dup}: the key appears more than once in the object; send each key once.",
                )  # fmt: skip
        if verdict == ():
            bronze.append(head_known + raw + b"}\n")
            out.accepted += 1
            continue
        if type(verdict) is tuple:
            bronze.append(head + orjson.dumps(verdict) + b',"event":' + raw + b"}\n")
            out.accepted += 1
            continue
        assert isinstance(verdict, Rejection)
        out.dlq.append(dlq_line(verdict, raw, received_at=received_at, batch_id=batch_id,
                                index=pos, origin=origin, event=event))  # fmt: skip
        ev_id = event.get("event_id") if isinstance(event, dict) else None
        out.rejected.append(
            {
                "index": pos,
                "event_id": ev_id if isinstance(ev_id, str) else None,
                "reason": verdict.reason,
                "pointer": verdict.pointer,
                "message": verdict.message,
            }
        )
    return out
