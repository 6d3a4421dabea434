"""Per-event validation: the one code path for HTTP ingest and the bulk loader.

Order of checks (the first failure wins, so each rejection names one rule):
size → is an object → envelope → registered name/version → timestamp → payload → PII
in identifier fields. Accepted events come back with their unknown fields (ING-4),
which are flagged and preserved, never rejected.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jsonschema.exceptions import ValidationError, best_match

from lakehouse.config import IngestLimits
from lakehouse.ingest.registry import Contract, Registry, default_registry
from lakehouse.privacy.pii import has_pii, pii_kind

REASONS = (
    "invalid_json",
    "not_an_object",
    "too_large",
    "unknown_event",
    "unknown_version",
    "schema_violation",
    "bad_timestamp",
    "pii_detected",
)
# Identifiers must never carry PII: redacting one would merge unrelated users.
IDENTIFIER_FIELDS = ("anon_id", "user_id", "session_id", "device_id")
RFC3339_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$"
)


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why one event was refused: a reason code, the JSON pointer of the field, a fix-it message."""

    reason: str
    pointer: str
    message: str


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_of(error: ValidationError, prefix: str = "") -> str:
    """JSON pointer of the failing field; for a missing property, the property itself."""
    path = prefix + "".join(f"/{_escape(p)}" for p in error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [r for r in error.validator_value if r not in error.instance]
        if missing:
            return f"{path}/{_escape(missing[0])}"
    return path


def _canonical_utc(value: str) -> bool:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ`, the form almost every client sends: checked by
    position, leaving the digits to `fromisoformat` (which rejects non-digits)."""
    return (
        len(value) == 24 and value[23] == "Z" and value[10] == "T" and value[19] == "."
        and value[4] == "-" and value[7] == "-" and value[13] == ":" and value[16] == ":"
    )  # fmt: skip


def parse_event_ts(value: str) -> datetime | None:
    """An RFC 3339 timestamp (offset required) as an aware datetime, else None."""
    if _canonical_utc(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    if not RFC3339_RE.match(value):
        return None
    try:
        # 3.11's fromisoformat takes 'Z' but not a lower-case 't'/'z'; RFC 3339 allows both.
        return datetime.fromisoformat(value.upper())
    except ValueError:
        return None


class Validator:
    """Validates decoded events against a registry; thread-safe and reusable."""

    def __init__(
        self, registry: Registry | None = None, limits: IngestLimits | None = None
    ) -> None:
        self.registry = registry or default_registry()
        self.limits = limits or IngestLimits()
        self._envelope = self.registry.envelope
        self._env_check = self._envelope.check
        self._contracts = dict(self.registry.events)
        self._names = self.registry.names
        self._env_fields = self._envelope.declared
        self._max_event_bytes = self.limits.max_event_bytes
        self._skew_s = self.limits.max_future_skew_s

    def check(self, event: Any, size: int, now: float | None = None) -> Rejection | tuple[str, ...]:
        """A Rejection, or the (possibly empty) tuple of unknown fields of an accepted event.

        `size` is the event's length in bytes as received; `now` is the arrival time
        (epoch seconds) used for the future-skew rule.
        """
        lim = self.limits
        if size > self._max_event_bytes:
            return Rejection(
                "too_large", "",
                f"event is {size} bytes; the limit is {lim.max_event_bytes} bytes per event. "
                "Move bulky data out of the event or split it.",
            )  # fmt: skip
        if type(event) is not dict:
            return Rejection(
                "not_an_object", "",
                f"each event must be a JSON object, got {type(event).__name__}; send an object with the envelope fields.",
            )  # fmt: skip
        if not self._env_check(event):
            rej = self._explain(self._envelope, event, "")
            if rej is not None:
                return rej
        name = event["event_name"]
        contract = self._contracts.get((name, event["event_version"]))
        if contract is None:
            return self._unregistered(name, event["event_version"])
        ts = parse_event_ts(event["event_ts"])
        if ts is None:
            return Rejection(
                "bad_timestamp", "/event_ts",
                f"event_ts {event['event_ts']!r} is not an RFC 3339 timestamp with an offset; "
                "send e.g. '2026-10-05T14:03:11.250Z'.",
            )  # fmt: skip
        if ts.timestamp() > (time.time() if now is None else now) + self._skew_s:
            return Rejection(
                "bad_timestamp", "/event_ts",
                f"event_ts {event['event_ts']!r} is more than {lim.max_future_skew_s} s in the future; "
                "check the client clock (events must be stamped when they happen).",
            )  # fmt: skip
        payload = event["payload"]
        if not contract.check(payload):
            rej = self._explain(contract, payload, "/payload")
            if rej is not None:
                return rej
        g = event.get
        # One screen over all identifiers (None renders harmlessly); find the field only on a hit.
        if has_pii(f"{g('anon_id')}\x00{g('user_id')}\x00{g('session_id')}\x00{g('device_id')}"):
            for f in IDENTIFIER_FIELDS:
                v = event.get(f)
                if type(v) is str and (kind := pii_kind(v)) is not None:
                    return Rejection(
                        "pii_detected", f"/{f}",
                        f"{f} looks like an {kind}; identifiers must be opaque ids. "
                        "Send a random or hashed id instead of contact details.",
                    )  # fmt: skip
        if self._env_fields.issuperset(event) and contract.declared.issuperset(payload):
            return ()  # the common case, without building sets
        unknown = event.keys() - self._env_fields
        unknown_payload = payload.keys() - contract.declared
        return tuple(sorted(unknown)) + tuple(sorted(f"payload.{k}" for k in unknown_payload))

    def _unregistered(self, name: str, version: Any) -> Rejection:
        if name not in self._names:
            return Rejection(
                "unknown_event", "/event_name",
                f"event_name {name!r} is not in the schema registry; add schemas/events/{name}/v1.schema.json "
                "or fix the name.",
            )  # fmt: skip
        known = ", ".join(str(v) for v in self.registry.versions(name))
        return Rejection(
            "unknown_version", "/event_version",
            f"{name} has no version {version!r} (registered: {known}); send a registered version "
            f"or add schemas/events/{name}/v{version}.schema.json.",
        )  # fmt: skip

    @staticmethod
    def _explain(contract: Contract, instance: Any, prefix: str) -> Rejection | None:
        """Slow path: the reference validator names the failing field. None if it finds none."""
        error = best_match(contract.validator.iter_errors(instance))
        if error is None:
            # The compiled predicate was stricter than the reference; the contract decides.
            return None
        pointer = pointer_of(error, prefix)
        return Rejection(
            "schema_violation",
            pointer,
            f"{pointer or '/'}: {error.message} (rule: {contract.key} {error.validator}); "
            "fix the field to match schemas/" + contract.key + ".schema.json.",
        )
