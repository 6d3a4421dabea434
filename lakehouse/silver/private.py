"""The private Silver area (PRIV-1): `private.pii_hashes`, the hashed forms of the
e-mails and phone numbers that redaction removed before `lake.events`.

One row per value found in an event (anywhere: declared fields, undeclared ones,
keys), with the event_id, the top-level field it was in, and the salted hashes of the
event's user, anon and device ids — never an id, an address or a number itself.

Why salted: a plain SHA-256 of an e-mail is reversed by hashing a list of addresses,
and of a phone number by hashing every number. The lake's secret salt
(`idhash.salt`, the same one tombstones use) keeps the hashes matchable inside this lake
(hash a known address with the salt to find its events) and useless without the salt
file. Values are normalised first (`pii.normalized`).

Separate namespace, so nothing reads it by accident: no dbt source points at it (Gold
reads only `lake.events`, tested), the query layer only sees Gold, and the Lake
Formation render grants it to admin alone. DSAR delete removes a person's rows here by
their id hashes (`privacy.silverpurge.purge_private`).

Refine appends a batch's rows *before* its `lake.events` commit and skips event_ids
already present, so a batch redone after a crash neither loses nor doubles them.
"""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError, TableAlreadyExistsError
from pyiceberg.schema import Schema
from pyiceberg.table import Table
from pyiceberg.types import DateType, NestedField, StringType, TimestamptzType

from lakehouse.clock import utcnow
from lakehouse.config import Settings
from lakehouse.privacy.idhash import id_hash, salt
from lakehouse.privacy.pii import find_pii, has_pii, normalized
from lakehouse.silver.catalog import load_catalog
from lakehouse.silver.tables import load_table_if_any
from lakehouse.silver.transform import Parsed, q

NAMESPACE = "private"
PII_HASHES = f"{NAMESPACE}.pii_hashes"
ID_COLUMNS = ("user_id", "anon_id", "device_id")
HASH_OF = {c: f"{c}_sha256" for c in ID_COLUMNS}

SCHEMA = Schema(
    NestedField(1, "event_id", StringType(), required=True),
    NestedField(2, "event_dt", DateType(), required=True),
    NestedField(3, "found_in", StringType(), required=True, doc="top-level event field"),
    NestedField(4, "email_sha256", StringType(), doc="sha256(salt || lower(email))"),
    NestedField(5, "phone_sha256", StringType(), doc="sha256(salt || +digits)"),
    NestedField(6, "user_id_sha256", StringType(), doc="sha256(salt || user_id)"),
    NestedField(7, "anon_id_sha256", StringType(), doc="sha256(salt || anon_id)"),
    NestedField(8, "device_id_sha256", StringType(), doc="sha256(salt || device_id)"),
    NestedField(9, "refine_batch", StringType(), required=True),
    NestedField(10, "silver_loaded_at", TimestamptzType(), required=True),
)
ARROW_SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("event_dt", pa.date32(), nullable=False),
        pa.field("found_in", pa.string(), nullable=False),
        *(pa.field(n, pa.string()) for n in ("email_sha256", "phone_sha256")),
        *(pa.field(HASH_OF[c], pa.string()) for c in ID_COLUMNS),
        pa.field("refine_batch", pa.string(), nullable=False),
        pa.field("silver_loaded_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)


def in_list(column: str, values: list[str]) -> str:
    """A pyiceberg row filter: `column` is one of `values`."""
    return f"{column} IN ({', '.join(q(v) for v in values)})"


def ensure_table(catalog: Catalog) -> Table:
    """`private.pii_hashes`, created on first use."""
    catalog.create_namespace_if_not_exists(NAMESPACE)
    try:
        return catalog.load_table(PII_HASHES)
    except NoSuchTableError:
        try:
            return catalog.create_table(PII_HASHES, SCHEMA, properties={"format-version": "2"})
        except TableAlreadyExistsError:
            return catalog.load_table(PII_HASHES)


def load_table(settings: Settings) -> Table | None:
    """`private.pii_hashes`, or None when no PII was ever found in this lake."""
    return load_table_if_any(settings, PII_HASHES)


def _strings(value: Any) -> list[str]:
    """Every string in a decoded event: values and keys, at any depth."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def hash_rows(rows: pa.Table, salt_hex: str, batch_id: str) -> pa.Table:
    """The private rows for Silver `rows` (their `_raw` is the event as received)."""
    out: dict[str, list[Any]] = {f.name: [] for f in ARROW_SCHEMA}
    loaded_at = utcnow()
    for row in rows.select(["event_id", "event_dt", *ID_COLUMNS, "_raw"]).to_pylist():
        raw = row["_raw"]
        # Without an escape, every string the event decodes to is a substring of its text,
        # so text the PII pattern finds nothing in holds none: one scan skips the row (most
        # rows reach here flagged for a float or an unknown field, not for PII).
        if "\\" not in raw and not has_pii(raw):
            continue
        try:
            event = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue  # refine parsed it, so it is JSON; a >64-bit integer cannot hold PII
        if not isinstance(event, dict):
            continue
        ids: dict[str, str | None] | None = None  # hashed when the row has PII
        seen: set[tuple[str, str, str]] = set()
        for key, value in event.items():
            for text in _strings({key: value}):
                for kind, found in find_pii(text):
                    digest = id_hash(salt_hex, normalized(kind, found))
                    if (key, kind, digest) in seen:
                        continue
                    seen.add((key, kind, digest))
                    if ids is None:
                        ids = {HASH_OF[c]: row[c] and id_hash(salt_hex, row[c]) for c in ID_COLUMNS}
                    out["event_id"].append(row["event_id"])
                    out["event_dt"].append(row["event_dt"])
                    out["found_in"].append(key)
                    out["email_sha256"].append(digest if kind == "email" else None)
                    out["phone_sha256"].append(digest if kind == "phone" else None)
                    for name, h in ids.items():
                        out[name].append(h)
                    out["refine_batch"].append(batch_id)
                    out["silver_loaded_at"].append(loaded_at)
    return pa.table(out, schema=ARROW_SCHEMA)


class PrivateArea:
    """Refine's writer of `private.pii_hashes` (the table and salt loaded on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._table: Table | None = None
        self.rows_written = 0

    def add(self, parsed: Parsed, keep: pa.Array | None, batch_id: str) -> int:
        """Hash the PII of the kept rows EventCleaner redacted; rows appended."""
        if parsed.fixed is None:
            return 0  # only flagged rows can hold PII (the prefilter is a superset)
        mask = parsed.fix if keep is None else pc.and_(parsed.fix, keep)
        flagged = parsed.rows.filter(mask)
        if flagged.num_rows == 0:
            return 0
        rows = hash_rows(flagged, salt(self.settings), batch_id)
        if rows.num_rows == 0:
            return 0
        if self._table is None:
            self._table = ensure_table(load_catalog(self.settings))
        table = self._table
        table.refresh()
        ids = sorted(set(rows.column("event_id").to_pylist()))
        if table.current_snapshot() is not None:
            done = table.scan(row_filter=in_list("event_id", ids), selected_fields=("event_id",))
            present = done.to_arrow().column("event_id")
            if len(present):
                rows = rows.filter(pc.invert(pc.is_in(rows.column("event_id"), present)))
        if rows.num_rows:
            table.append(rows)
        self.rows_written += rows.num_rows
        return rows.num_rows
