"""The slow path for the rare events DuckDB alone cannot refine exactly.

An event comes here when it has undeclared fields (ING-4: Silver keeps declared
fields only), a duplicated payload key (ingest, like orjson, takes the last one), a
string the PII prefilter flagged, or a float in its payload. `EventCleaner` returns
the event's compact JSON with only declared envelope/payload fields, every string
redacted and integral floats written as integers; DuckDB then parses that text like
any other event, so both paths produce the same columns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

from lakehouse.ingest.registry import Registry
from lakehouse.privacy.pii import redact
from lakehouse.silver.tables import object_fields


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # integers beyond 64 bits: orjson refuses, json keeps them


def _dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # a >64-bit integer from json.loads
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def tidy(value: Any) -> Any:
    """`value` with every string (nested keys too) redacted and integral floats as ints.

    Silver's payload map prints integers without ".0" (a client may send 12900.0).
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**63 else value
    if isinstance(value, dict):
        return {redact(k): tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tidy(v) for v in value]
    return value


class EventCleaner:
    """Callable: event JSON text → declared-only, redacted, compact JSON text."""

    def __init__(self, registry: Registry) -> None:
        self.envelope = registry.envelope.declared
        self.objects: Mapping[str, frozenset[str]] = object_fields(registry)
        self.payloads = {key: c.declared for key, c in registry.events.items()}

    def clean(self, event: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in event.items() if k in self.envelope}
        for name, declared in self.objects.items():
            obj = out.get(name)
            if isinstance(obj, dict):
                out[name] = {k: v for k, v in obj.items() if k in declared}
        payload = out.get("payload")
        version = out.get("event_version")
        if isinstance(payload, dict) and isinstance(version, int | float):
            keep = self.payloads.get((str(out.get("event_name")), int(version)))
            if keep is not None:
                out["payload"] = {k: v for k, v in payload.items() if k in keep}
        return {k: tidy(v) for k, v in out.items()}

    def __call__(self, text: str) -> str:
        return _dumps(self.clean(_loads(text)))
