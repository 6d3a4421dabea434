"""Helpers for Silver tests: land hand-written events in Bronze through the real
loader, refine, and read `lake.events` back."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from lakehouse.config import Settings
from lakehouse.ids import new_ulid
from lakehouse.ingest.loader import load_files
from lakehouse.ingest.logfile import AppendLog, SealedFile, list_sealed
from lakehouse.silver.tables import load_events_table

BASE: dict[str, Any] = {
    "event_name": "promo.impression",
    "event_version": 1,
    "event_ts": "2026-10-05T14:03:11.250Z",
    "source": "web",
    "anon_id": "anon_7f3a",
    "user_id": "u_1",
    "session_id": "s_1",
    "seq": 1,
    "device_id": "dv_1",
    "page_path": "/search",
    "country": "DE",
    "city": "Berlin",
    "consent": {"analytics": True, "marketing": False},
    "payload": {"promo_id": "pr_1", "slot": 3, "is_sponsored": True},
}


def new_id() -> str:
    return "evt_" + new_ulid()


def event(**changes: Any) -> dict[str, Any]:
    """A valid promo.impression with a fresh event_id; keyword arguments override fields."""
    ev = copy.deepcopy(BASE)
    ev["event_id"] = new_id()
    ev.update(changes)
    return ev


def land(
    settings: Settings, events: list[dict[str, Any]] | list[bytes], name: str = "in"
) -> SealedFile:
    """Validate and land `events` (dicts, or raw NDJSON lines) as one new Bronze file."""
    before = {f.rel for f in list_sealed(settings.bronze_dir)}
    src = settings.home.parent / f"{name}-{new_ulid()}.ndjson"
    lines = [e if isinstance(e, bytes) else orjson.dumps(e) for e in events]
    src.write_bytes(b"\n".join(lines) + b"\n")
    result = load_files(settings, [src])
    assert result.rejected == 0, result.by_reason
    new = [f for f in list_sealed(settings.bronze_dir) if f.rel not in before]
    assert len(new) == 1
    return new[0]


def land_bronze_lines(settings: Settings, events: list[bytes]) -> SealedFile:
    """Seal raw `events` as one Bronze file with the real writer, skipping validation:
    Bronze an older ingest wrote (e.g. before duplicated keys were rejected)."""
    log = AppendLog(settings.bronze_dir, "evt")
    head = b'{"received_at":"2026-10-05T14:03:12.000000Z","batch_id":"bat_test","_unknown_fields":[],"event":'
    data = b"".join(head + e + b"}\n" for e in events)
    log.write(data, time.time(), len(events))
    sealed = log.seal()
    assert sealed is not None
    return sealed


def silver(settings: Settings, row_filter: str = "True") -> list[dict[str, Any]]:
    """Rows of lake.events (pyiceberg scan), sorted by event_id."""
    table = load_events_table(settings)
    if table is None:
        return []
    rows = table.scan(row_filter=row_filter).to_arrow().to_pylist()
    return sorted(rows, key=lambda r: r["event_id"])


def silver_arrow(settings: Settings) -> pa.Table:
    table = load_events_table(settings)
    assert table is not None
    return table.scan().to_arrow()


def rb_files(settings: Settings) -> list[Path]:
    """Every Parquet file refine ever wrote, committed or not."""
    return sorted((settings.silver_dir).rglob("rb-*.parquet"))
