"""Which Silver snapshot a Gold build reads: the current Iceberg metadata JSON of lake.events.

DuckDB has no ATTACH for a SQL catalog (SPEC §0), so the metadata location is resolved
on every build and handed to dbt as a var.
"""

from __future__ import annotations

from lakehouse.config import Settings
from lakehouse.errors import LakeEmptyError
from lakehouse.silver.tables import load_events_table

_EMPTY = (
    "Silver is empty under {home}: there is no lake.events snapshot to build Gold from. "
    "Land events with `lakehouse load <file.ndjson>`, refine them with `lakehouse refine`, "
    "then run `lakehouse build` again."
)


def silver_metadata_location(settings: Settings) -> str:
    """The current metadata JSON of `lake.events`; `LakeEmptyError` when it has no rows yet."""
    table = load_events_table(settings)
    if table is None or table.current_snapshot() is None:
        raise LakeEmptyError(_EMPTY.format(home=settings.home))
    return str(table.metadata_location)
