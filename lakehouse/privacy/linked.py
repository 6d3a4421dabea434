"""Which ids belong to a user: the user id, every anon id it logged in on, and every
device id seen with those (PRIV-3).

Read from Bronze (the complete raw record) and from Silver (which may keep days whose
raw files retention already dropped). An anon or device id that another user also
logged in on is shared (a family laptop): deleting it would delete that other user's
events, so it is kept and reported instead. Deny-listed ids (ID-2) link nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from lakehouse.config import Settings
from lakehouse.ingest.logfile import list_sealed
from lakehouse.silver.duck import connect
from lakehouse.silver.tables import load_events_table
from lakehouse.silver.transform import q, sql_list

# ID-2: these never identify anyone.
DENY_LIST = frozenset({"", "null", "undefined", "0", "anonymous", "guest"})


@dataclass(frozen=True)
class LinkedIds:
    user_id: str
    anon_ids: list[str] = field(default_factory=list)
    device_ids: list[str] = field(default_factory=list)
    shared_kept: int = 0  # anon/device ids also used by another user: not deleted
    # their consent-off events (PRIV-2): Silver holds them without ids, Bronze says whose
    stripped_event_ids: list[str] = field(default_factory=list)

    @property
    def all(self) -> list[str]:
        return [self.user_id, *self.anon_ids, *self.device_ids]


def _ok(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in DENY_LIST


def silver_files(settings: Settings) -> list[str]:
    """Local paths of the data files of the current `lake.events` snapshot."""
    from lakehouse.silver.commit import local_path

    table = load_events_table(settings)
    if table is None or table.current_snapshot() is None:
        return []
    return [str(local_path(t.file.file_path)) for t in table.scan().plan_files()]


def identity_rows_sql(settings: Settings) -> str | None:
    """SQL over (user_id, anon_id, device_id) of every Bronze and Silver event, or None."""
    parts = []
    bronze = [str(f.path) for f in list_sealed(settings.bronze_dir)]
    if bronze:
        parts.append(
            # only the three ids are parsed (a struct, not the whole event as JSON)
            f"""SELECT event.user_id, event.anon_id, event.device_id
                FROM read_ndjson({sql_list(bronze)}, format = 'newline_delimited',
                     hive_partitioning = false, columns = {{'event':
                     'STRUCT(user_id VARCHAR, anon_id VARCHAR, device_id VARCHAR)'}})"""
        )
    silver = silver_files(settings)
    if silver:
        parts.append(f"SELECT user_id, anon_id, device_id FROM read_parquet({sql_list(silver)})")
    return " UNION ALL ".join(parts) if parts else None


def resolve(
    settings: Settings, user_id: str, con: duckdb.DuckDBPyConnection | None = None
) -> LinkedIds:
    """The ids to delete for `user_id` (see module doc)."""
    source = identity_rows_sql(settings)
    if source is None:
        return LinkedIds(user_id)
    own = con or connect()
    try:
        own.execute(f"CREATE OR REPLACE TEMP TABLE dsar_ids AS {source}")
        anons = {
            a
            for (a,) in own.execute(
                f"SELECT DISTINCT anon_id FROM dsar_ids WHERE user_id = {q(user_id)}"
            ).fetchall()
            if _ok(a)
        }
        devices = {
            d
            for (d,) in own.execute(
                f"""SELECT DISTINCT device_id FROM dsar_ids
                    WHERE user_id = {q(user_id)} OR list_contains({sql_list(sorted(anons))}, anon_id)"""
            ).fetchall()
            if _ok(d)
        }
        shared_anons = {
            a
            for (a,) in own.execute(
                f"""SELECT DISTINCT anon_id FROM dsar_ids WHERE user_id IS NOT NULL
                    AND user_id <> {q(user_id)} AND list_contains({sql_list(sorted(anons))}, anon_id)"""
            ).fetchall()
        }
        shared_devices = {
            d
            for (d,) in own.execute(
                f"""SELECT DISTINCT device_id FROM dsar_ids WHERE user_id IS NOT NULL
                    AND user_id <> {q(user_id)} AND list_contains({sql_list(sorted(devices))}, device_id)"""
            ).fetchall()
        }
        own.execute("DROP TABLE dsar_ids")
        anon_ids, device_ids = sorted(anons - shared_anons), sorted(devices - shared_devices)
        stripped = _consent_off_events(settings, own, [user_id, *anon_ids, *device_ids])
    finally:
        if con is None:
            own.close()
    return LinkedIds(
        user_id, anon_ids, device_ids, len(shared_anons) + len(shared_devices), stripped
    )


def _consent_off_events(
    settings: Settings, con: duckdb.DuckDBPyConnection, ids: list[str]
) -> list[str]:
    """event_ids of the identities' `consent.analytics = false` events in Bronze.

    Refine strips their ids (PRIV-2), so Silver cannot say whose they are; the raw record
    can, for as long as retention keeps it (25 months against Silver's 36)."""
    bronze = [str(f.path) for f in list_sealed(settings.bronze_dir)]
    if not bronze:
        return []
    listing = sql_list(ids)
    rows = con.execute(
        f"""SELECT DISTINCT event.event_id FROM read_ndjson({sql_list(bronze)},
                format = 'newline_delimited', hive_partitioning = false, columns = {{'event':
                'STRUCT(event_id VARCHAR, user_id VARCHAR, anon_id VARCHAR, device_id VARCHAR,
                        consent STRUCT(analytics BOOLEAN))'}})
            WHERE event.consent.analytics = false AND (list_contains({listing}, event.user_id)
               OR list_contains({listing}, event.anon_id)
               OR list_contains({listing}, event.device_id))"""
    ).fetchall()
    return sorted(r[0] for r in rows)
