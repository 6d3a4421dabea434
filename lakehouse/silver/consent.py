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

Stripping runs in DuckDB over the batch's Arrow rows (one CASE per column on the
consent flag), after dedup and the tombstone check have read the ids; a batch without a
consent-off row is returned untouched. Events without a consent object (some server
events) carry no decision and are kept as sent.
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
_OFF = f"coalesce({CONSENT_COLUMN} = false, false)"
_IS_RECORD = f"event_name = '{CONSENT_EVENT}'"


def _patch(fields: tuple[str, ...]) -> str:
    """A JSON merge patch (RFC 7396) removing `fields` from an event's text."""
    return "'" + json.dumps(dict.fromkeys(fields)) + "'"


def _column_sql(name: str) -> str:
    if name == "_raw":
        kept = tuple(f for f in STRIPPED if f not in CONSENT_RECORD_KEEPS)
        return (
            f"CASE WHEN NOT {_OFF} THEN _raw WHEN {_IS_RECORD} "
            f"THEN CAST(json_merge_patch(_raw, {_patch(kept)}) AS VARCHAR) "
            f"ELSE CAST(json_merge_patch(_raw, {_patch(STRIPPED)}) AS VARCHAR) END"
        )
    off = _OFF if name not in CONSENT_RECORD_KEEPS else f"{_OFF} AND NOT {_IS_RECORD}"
    return f"CASE WHEN {off} THEN NULL ELSE {name} END"


def consent_off(rows: pa.Table) -> pa.Array:
    """Boolean mask: the rows whose event says `consent.analytics = false`."""
    if CONSENT_COLUMN not in rows.column_names:
        return pa.array([False] * rows.num_rows)
    flag = rows.column(CONSENT_COLUMN).combine_chunks()
    return pc.fill_null(pc.equal(flag, False), False)


def strip_identifiers(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> pa.Table:
    """`rows` with the identifiers of consent-off events removed (see module doc).

    `con` must keep insertion order (refine's connections do), so the result lines up
    with `rows`.
    """
    if rows.num_rows == 0 or not pc.any(consent_off(rows)).as_py():
        return rows
    targets = [c for c in (*STRIPPED, "_raw") if c in rows.column_names]
    inputs = rows.select(list(dict.fromkeys([*targets, CONSENT_COLUMN, "event_name"])))
    con.register("consent_rows", inputs)
    try:
        select = ", ".join(f"{_column_sql(c)} AS {c}" for c in targets)
        stripped = con.execute(f"SELECT {select} FROM consent_rows").to_arrow_table()
    finally:
        con.unregister("consent_rows")
    for name in targets:
        i = rows.schema.get_field_index(name)
        rows = rows.set_column(i, rows.field(i), stripped.column(name).cast(rows.field(i).type))
    return rows
