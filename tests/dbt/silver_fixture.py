"""Hand-made Silver rows for dbt tests, appended to the real `lake.events` table.

The table is created by Silver's own code (`ensure_events_table`), so the columns and types
dbt reads here are exactly the contract; only the rows are invented. The end-to-end test
goes through Bronze and refine instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from lakehouse.config import Settings
from lakehouse.ingest.registry import default_registry
from lakehouse.silver.catalog import load_catalog
from lakehouse.silver.tables import ensure_events_table

_ENVELOPE_STRINGS = (
    "anon_id", "user_id", "session_id", "device_id", "page_path", "referrer", "country",
    "city", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "click_token",
)  # fmt: skip


def ts(text: str) -> datetime:
    """`2026-10-01T10:00:00` (UTC) → aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def silver_row(
    event_id: str,
    event_name: str,
    event_ts: str,
    *,
    payload: Mapping[str, Any] | None = None,
    loaded_at: str | None = None,
    **envelope: Any,
) -> dict[str, Any]:
    """One Silver row; anything a test does not mention gets a neutral default."""
    at = ts(event_ts)
    row: dict[str, Any] = dict.fromkeys(_ENVELOPE_STRINGS)
    row.update(
        event_id=event_id,
        event_name=event_name,
        event_version=1,
        event_ts=at,
        event_dt=at.date(),
        received_at=at,
        batch_id="bat_test",
        bronze_file="bronze/test.ndjson",
        seq=None,
        source="web",
        consent_analytics=True,
        consent_marketing=True,
        payload=[(k, _text(v)) for k, v in (payload or {}).items()],
        _raw="{}",
        silver_loaded_at=ts(loaded_at) if loaded_at else at,
    )
    row.update(envelope)
    return row


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_silver(settings: Settings, rows: Iterable[Mapping[str, Any]]) -> str:
    """Append `rows` to `lake.events` (created if missing); returns the new metadata location."""
    table, _ = ensure_events_table(load_catalog(settings.ensure()), default_registry())
    schema = table.schema().as_arrow()
    batch = pa.Table.from_pylist(
        [{f.name: r.get(f.name) for f in schema} for r in rows], schema=schema
    )
    if batch.num_rows:
        table.append(batch)
        table = table.refresh()
    return str(table.metadata_location)
