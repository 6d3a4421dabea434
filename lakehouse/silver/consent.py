"""Consent at refine (PRIV-2): `consent.analytics = false` events reach Silver without
identifiers.

Stripped (from the columns and from `_raw`): the envelope fields that identify a person
or a device — `user_id`, `anon_id`, `device_id`, `session_id` (a client session is one
person's) and `click_token` (a click proof issued to one person) — and `seq`, the
session's event counter, meaningless without its session. The envelope has no IP
field; `referrer`, `page_path`, `utm_*`, `city` and `country` describe the visit, not
who made it, and stay. Payload ids of *other* people (`referrer_user_id`) follow
their own consent, not this event's.

Everything else of the event stays, so no event is lost: orders, refunds, disputes and
payouts keep their amounts and order ids (GMV and finance need them; a contract is not
analytics consent), only the buyer behind them becomes unknown. One exception keeps
`user_id` and `anon_id`: the `consent.update` event itself is the record of who decided
what and when (GDPR art. 7(1)), and `dim_identity` shows each identity's latest one.

Refine splits the (few) consent-off rows off a batch (`split_consent_off`): they are
written from their own small table, stripped there, and the rest of the batch is
written as parsed, so no column of the whole batch is rebuilt. Stripping nulls the id
columns by an if-else on the consent mask and patches `_raw` in DuckDB (a JSON merge
patch, chosen by a CASE on the event name). It runs after dedup and the tombstone check
have read the ids. Events without a consent object (some server events) carry no
decision and are kept as sent.
"""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

STRIPPED = ("user_id", "anon_id", "device_id", "session_id", "seq", "click_token")
CONSENT_EVENT = "consent.update"
CONSENT_RECORD_KEEPS = ("user_id", "anon_id")  # who the consent decision belongs to
CONSENT_COLUMN = "consent_analytics"


def _patch(fields: tuple[str, ...]) -> str:
    """A JSON merge patch (RFC 7396) removing `fields` from an event's text."""
    return "'" + json.dumps(dict.fromkeys(fields)) + "'"


_RAW_SQL = (
    f"SELECT CAST(json_merge_patch(_raw, CASE WHEN event_name = '{CONSENT_EVENT}' "
    f"THEN {_patch(tuple(f for f in STRIPPED if f not in CONSENT_RECORD_KEEPS))} "
    f"ELSE {_patch(STRIPPED)} END) AS VARCHAR) AS _raw FROM consent_rows"
)


def _single(column: pa.ChunkedArray) -> pa.Array:
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def consent_off(rows: pa.Table) -> pa.Array:
    """Boolean mask: the rows whose event says `consent.analytics = false`."""
    if CONSENT_COLUMN not in rows.column_names:
        return pa.array([False] * rows.num_rows)
    return pc.fill_null(pc.equal(_single(rows.column(CONSENT_COLUMN)), False), False)


def strip_identifiers(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> pa.Table:
    """`rows` with the identifiers of consent-off events removed (see module doc).

    Id columns are nulled by a vectorised if-else on the consent mask; `_raw` of the
    consent-off rows alone is patched in DuckDB and put back in place. `con` must keep
    insertion order (refine's connections do), so the patched texts line up.
    """
    off = consent_off(rows)
    if rows.num_rows == 0 or not pc.any(off).as_py():
        return rows
    record = pc.fill_null(pc.equal(_single(rows.column("event_name")), CONSENT_EVENT), False)
    not_record = pc.and_(off, pc.invert(record))
    for name in STRIPPED:
        if name not in rows.column_names:
            continue
        i = rows.schema.get_field_index(name)
        mask = not_record if name in CONSENT_RECORD_KEEPS else off
        nulled = pc.if_else(mask, pa.scalar(None, rows.field(i).type), _single(rows.column(i)))
        rows = rows.set_column(i, rows.field(i), nulled)
    if "_raw" in rows.column_names:
        con.register("consent_rows", rows.select(["_raw", "event_name"]).filter(off))
        try:
            patched = con.execute(_RAW_SQL).to_arrow_table().column("_raw")
        finally:
            con.unregister("consent_rows")
        i = rows.schema.get_field_index("_raw")
        typ = rows.field(i).type
        raw = pc.replace_with_mask(_single(rows.column(i)), off, _single(patched.cast(typ)))
        rows = rows.set_column(i, rows.field(i), raw)
    return rows


def split_consent_off(
    con: duckdb.DuckDBPyConnection, rows: pa.Table, keep: pa.Array | None
) -> list[tuple[pa.Table, pa.Array | None]]:
    """The kept rows of `rows` as (table, keep-mask) inputs to write: `rows` minus its
    consent-off rows, plus those rows alone, stripped (`strip_identifiers`)."""
    off = consent_off(rows)
    if keep is not None:
        off = pc.and_(off, keep)
    if rows.num_rows == 0 or not pc.any(off).as_py():
        return [(rows, keep)]
    on = pc.invert(off) if keep is None else pc.and_(keep, pc.invert(off))
    return [(rows, on), (strip_identifiers(con, rows.filter(off)), None)]
