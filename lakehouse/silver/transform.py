"""Bronze NDJSON → Silver rows → Parquet data files of `lake.events`, in DuckDB.

One batch of sealed Bronze files is read once:

1. `parse`: `read_ndjson` (the `event` column as JSON) → one `json_transform` → the
   Silver columns, as Arrow, in scan order (file, then line: DuckDB keeps insertion
   order), so a row's position is its place in the batch. The files are split into
   consecutive groups parsed by concurrent single-threaded queries, concatenated in order.
2. `keys` + `select_new`: the first received copy (received_at, then position) of
   each event_id, minus ids already in Silver, as a keep-mask over the rows (only the
   lines of ids seen more than once are ranked).
3. `write`: the kept rows as Parquet files per `event_dt` (`parquet.write_partitions`),
   named `rb-<batch>-<uuid>.parquet` so files of a batch that never committed can be
   found and removed.

Rows with undeclared fields (Bronze `_unknown_fields`, ING-4), a PII-prefilter hit or
a float in the payload (and, after a failed map cast, a duplicated payload key) are
flagged in SQL; Python (`clean.EventCleaner`) rewrites just those and DuckDB parses
them again. They are rare, and no per-event Python runs for the others.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyiceberg.schema import Schema
from pyiceberg.types import (
    BooleanType,
    DateType,
    DoubleType,
    IcebergType,
    IntegerType,
    LongType,
    MapType,
    NestedField,
    StringType,
    TimestamptzType,
)

from lakehouse.errors import PipelineError
from lakehouse.ingest.logfile import SealedFile
from lakehouse.ingest.registry import Registry
from lakehouse.ingest.validate import IDENTIFIER_FIELDS
from lakehouse.silver.clean import EventCleaner
from lakehouse.silver.consent import split_consent_off
from lakehouse.silver.parquet import WRITE_THREADS, write_partitions
from lakehouse.silver.redact import PII_PREFILTER
from lakehouse.silver.tables import Column, object_fields, silver_columns

# Envelope fields whose validated shape cannot hold an e-mail or phone number: ingest
# rejects PII in identifiers (`pii_detected`), the rest are patterns/enums/timestamps.
# Every other string (page_path, referrer, city, utm_*, click_token, payload…) is scanned.
_NO_PII_FIELDS = frozenset(
    {"event_id", "event_name", "event_ts", "source", "country", *IDENTIFIER_FIELDS}
)
# A JSON number DuckDB would print with ".0" or an exponent (the payload map wants
# integers without ".0"); matched on the payload's JSON text, false hits only cost time.
_FLOAT_NUMBER = r"[:\[,]-?[0-9]+(?:\.0+|(?:\.[0-9]+)?[eE][+-]?[0-9]+)[,}\]]"
_LOADED_AT = "silver_loaded_at"
# Iceberg codec names → DuckDB COMPRESSION values.
_CODECS = {
    "zstd": "zstd",
    "snappy": "snappy",
    "gzip": "gzip",
    "uncompressed": "uncompressed",
    "lz4": "lz4_raw",
}
_DUCK_TYPES: tuple[tuple[type[IcebergType], str], ...] = (
    (StringType, "VARCHAR"),
    (IntegerType, "INTEGER"),
    (LongType, "BIGINT"),
    (DoubleType, "DOUBLE"),
    (BooleanType, "BOOLEAN"),
    (TimestamptzType, "TIMESTAMPTZ"),
    (DateType, "DATE"),
)
# Rows per Arrow record batch of a parse. DuckDB grows each batch's buffers with glibc
# realloc; kept under glibc's 32 MiB mmap ceiling (`_raw` is ~600 B a row), freed buffers
# go back to the heap and the next batch reuses them, where bigger ones are unmapped and
# every batch faulted its pages in afresh (at 10M events: 3.5M page faults against 2M).
ARROW_BATCH_ROWS = 48 * 1024
_KIND_DUCK = {"int": "INTEGER", "long": "BIGINT", "double": "DOUBLE", "boolean": "BOOLEAN"}
# Kinds an envelope object's properties may share to be read as one MAP (`_as_maps`).
_MAP_KINDS = {"boolean": "BOOLEAN", "string": "VARCHAR"}


def q(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_list(items: Sequence[str]) -> str:
    """A VARCHAR[] literal."""
    return "[" + ", ".join(q(i) for i in items) + "]::VARCHAR[]"


def split_files(files: Sequence[SealedFile], parts: int) -> list[list[SealedFile]]:
    """`files` as at most `parts` consecutive groups of about equal bytes (none empty):
    each file goes to the group its byte midpoint falls in."""
    total = sum(f.bytes for f in files) or 1
    groups: list[list[SealedFile]] = [[] for _ in range(max(1, parts))]
    done = 0
    for f in files:
        groups[min(int((done + f.bytes / 2) * len(groups) / total), len(groups) - 1)].append(f)
        done += f.bytes
    return [g for g in groups if g] or [list(files)]


def _pieces(rows: pa.Table, keep: pa.Array | None) -> list[tuple[pa.Table, pa.Array | None]]:
    """`rows` as one table per record batch, each with its slice of `keep`: the parts of
    a split parse are written as they are, never concatenated into one copy."""
    out: list[tuple[pa.Table, pa.Array | None]] = []
    start = 0
    for batch in rows.to_batches():
        n = batch.num_rows
        out.append((pa.Table.from_batches([batch]), None if keep is None else keep.slice(start, n)))
        start += n
    return out


def _name_files(rows: pa.Table, rels: list[str]) -> pa.Table:
    """`rows` with `bronze_file` turned from the index of the line's file into its name.
    A lookup in the parse query copied a name into every line and again into Arrow (~4%
    of the parse's CPU); here it is one `take` from the list of names per record batch."""
    i = rows.schema.get_field_index("bronze_file")
    names = pa.array(rels, pa.string())
    column = pa.chunked_array([names.take(c) for c in rows.column(i).chunks], pa.string())
    return rows.set_column(i, pa.field("bronze_file", pa.string()), column)


def _duck_type(typ: IcebergType) -> str:
    if isinstance(typ, MapType):
        return "MAP(VARCHAR, VARCHAR)"
    for cls, name in _DUCK_TYPES:
        if isinstance(typ, cls):
            return name
    raise PipelineError(
        f"lake.events has a column of type {typ} that refine cannot write; drop or migrate it."
    )


def _ts(expr: str) -> str:
    # RFC 3339 allows a lower-case 't'/'z' that DuckDB's cast rejects; retry upper-cased.
    return f"coalesce(try_cast({expr} AS TIMESTAMPTZ), try_cast(upper({expr}) AS TIMESTAMPTZ))"


def _field_expr(col: Column, typ: str, struct: str, maps: Collection[str] = ()) -> str:
    """SQL for `col` read from the parsed event `struct` (`maps`: objects read as a MAP)."""
    src = f"{struct}.{ident(col.path[0])}"
    if col.kind == "map":
        return f"CAST({src} AS MAP(VARCHAR, VARCHAR))"
    if len(col.path) == 2 and col.path[0] in maps:
        return f"{src}[{q(col.path[1])}]"
    if len(col.path) > 1:
        path = q("$." + ".".join(json.dumps(p) for p in col.path[1:]))
        if col.kind == "string":
            return f"json_extract_string({src}, {path})"
        if col.kind == "json":
            return f"CAST(json_extract({src}, {path}) AS VARCHAR)"
        if col.kind == "timestamptz":
            return _ts(f"json_extract_string({src}, {path})")
        return f"try_cast(json_extract({src}, {path}) AS {typ})"
    if col.kind == "timestamptz":
        return _ts(src)
    return f"CAST({src} AS {typ})"


@dataclass(frozen=True)
class Keys:
    """The event ids of a batch, in the view `refine_keys`."""

    rows: int
    distinct: int  # distinct event_ids (rows - distinct = copies within the batch)
    dates: list[date]  # event_dt values present: the partitions to dedup against
    dups: pa.Table  # (event_id, n): the ids with n > 1 lines in the batch


@dataclass(frozen=True)
class Parsed:
    """A batch's lines as Silver rows, in file-then-line order."""

    rows: pa.Table  # every line; flagged ones still in their uncleaned form
    fix: pa.Array  # the lines EventCleaner rewrote
    fixed: pa.Table | None  # those lines rebuilt from the cleaned text (fix order)


@dataclass(frozen=True)
class Selection:
    """What `select_new` kept."""

    rows: int  # rows to write
    dup_in_batch: int  # extra copies of an event_id inside the batch
    dup_in_silver: int  # event_ids already in Silver


class BatchRefiner:
    """Refines batches of Bronze files into Parquet files for one table schema."""

    def __init__(
        self,
        registry: Registry,
        schema: Schema,
        *,
        memory_limit: str = "4GB",
        temp_dir: Path | None = None,
        codec: str = "zstd",
        threads: int = 1,
        parse_threads: int = 2,
    ) -> None:
        self.registry = registry
        self.schema = schema
        self.codec = codec
        self._by_name = {c.name: c for c in silver_columns(registry)}
        self._maps = self._as_maps()
        # A bare connection: refine reads NDJSON and Parquet (built in), never iceberg_scan,
        # so loading the Iceberg extensions (~0.1 s) is left to the readers of Silver.
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = {q(memory_limit)}")
        self.con.execute(f"SET threads = {threads}")
        if temp_dir is not None:
            temp_dir.mkdir(parents=True, exist_ok=True)
            self.con.execute(f"SET temp_directory = {q(str(temp_dir))}")
        # `parse` runs on its own connections to the same database, so the next batch can
        # be parsed (in another thread) while this one is deduplicated and written. It
        # splits a batch's files over `parse_threads` single-threaded queries: DuckDB's
        # own parallel NDJSON scan in insertion order costs far more CPU than it saves.
        self._parse_cons = [self.con.cursor() for _ in range(max(1, parse_threads))]
        self._parse_pool = ThreadPoolExecutor(
            max_workers=max(1, parse_threads - 1), thread_name_prefix="refine-parse-part"
        )
        self._write_pool = ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="refine-write")
        for con in (self.con, *self._parse_cons):
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")  # it would print to stdout
            # Results come back in scan order (file, then line): "first received" relies on it.
            con.execute("SET preserve_insertion_order = true")
        self.cleaner = EventCleaner(registry)

    def close(self) -> None:
        self._parse_pool.shutdown(wait=True)
        self._write_pool.shutdown(wait=True)
        for con in self._parse_cons:
            con.close()
        self.con.close()

    # -- SQL pieces --------------------------------------------------------------------

    def _as_maps(self) -> dict[str, str]:
        """Envelope objects flattened into columns (consent) whose declared properties all
        have one kind of `_MAP_KINDS` → that MAP type. json_transform reads such an object
        straight into a MAP: one parse, where JSON text would be written out and parsed
        again by every column and by the extra-key check (a sixth of the parse's CPU)."""
        kinds: dict[str, set[str]] = {}
        for col in self._by_name.values():
            if len(col.path) == 2:
                kinds.setdefault(col.path[0], set()).add(col.kind)
        return {
            top: f"MAP(VARCHAR, {_MAP_KINDS[k]})"
            for top, ks in kinds.items()
            if len(ks) == 1 and (k := next(iter(ks))) in _MAP_KINDS
        }

    def _structure(self, maps: Collection[str]) -> str:
        """json_transform structure: each envelope field read once; objects as JSON, or
        as a MAP for the objects in `maps`."""
        wanted: dict[str, str] = {}
        for col in self._by_name.values():
            if not col.path:
                continue
            top = col.path[0]
            if top in maps:
                wanted[top] = self._maps[top]
            elif col.kind == "map":
                wanted[top] = "JSON"  # cast to a map after the duplicate-key check
            elif len(col.path) > 1 or col.kind == "json":
                wanted[top] = "JSON"
            else:
                wanted[top] = _KIND_DUCK.get(col.kind, "VARCHAR")
        return q(json.dumps(wanted))

    def _fix_condition(self, maps: Collection[str], strict: bool = False) -> str:
        """SQL that is true when a row needs `EventCleaner` (see module doc).

        `strict` adds the duplicate-payload-key check (list functions are slow in DuckDB,
        so it only runs when a batch failed on a duplicated key). Objects in `maps` were
        read as a MAP, so their keys are the map's.
        """
        parts = ["len(unk) > 0"]
        if strict:
            parts.append(
                "(e.payload IS NOT NULL AND len(json_keys(e.payload)) <> list_unique(json_keys(e.payload)))"
            )
        props = self.registry.envelope.schema.get("properties", {})
        for name, subs in sorted(object_fields(self.registry).items()):
            col = f"e.{ident(name)}"
            keys = f"map_keys({col})" if name in maps else f"json_keys({col})"
            if (
                set(props[name].get("required", [])) == subs
            ):  # all present: an extra key shows in the count
                parts.append(f"({col} IS NOT NULL AND len({keys}) <> {len(subs)})")
            else:
                parts.append(
                    f"({col} IS NOT NULL AND NOT list_has_all({sql_list(sorted(subs))}, {keys}))"
                )
        texts = sorted(
            {
                c.path[0]
                for c in self._by_name.values()
                if len(c.path) == 1 and c.kind in ("string", "json", "map")
            }
            - _NO_PII_FIELDS
        )
        joined = ", ".join(f"CAST(e.{ident(t)} AS VARCHAR)" for t in texts)
        parts.append(
            f"regexp_matches(concat_ws(chr(1), {joined}), {q(PII_PREFILTER + '|' + _FLOAT_NUMBER)})"
        )
        return "coalesce(" + " OR ".join(parts) + ", false)"

    def _column_expr(self, field: NestedField, maps: Collection[str]) -> str:
        """Expression for one table column over the parsed event `e` and the source row."""
        name = field.name
        typ = _duck_type(field.field_type)
        if name in ("event_id", "event_ts", "event_dt", "received_at", "batch_id", "bronze_file"):
            return name
        if name == "_raw":
            return "ev"
        col = self._by_name.get(name)
        if col is None or not col.path:
            return f"CAST(NULL AS {typ})"  # a column the registry no longer declares
        return _field_expr(col, typ, "e", maps)

    # -- the steps ---------------------------------------------------------------------

    def parse(self, files: Sequence[SealedFile], loaded_at: datetime) -> Parsed:
        """Every line of `files` as Silver rows, in file-then-line order.

        Uses only the parse connections, so it may run in another thread than the other
        steps (one `parse` at a time). The files are split into consecutive groups parsed
        concurrently; their rows are concatenated in file order.
        """
        groups = split_files(files, len(self._parse_cons))
        later = [
            self._parse_pool.submit(self._parse_group, group, loaded_at, con)
            for group, con in zip(groups[1:], self._parse_cons[1:], strict=False)
        ]
        try:
            first = self._parse_group(groups[0], loaded_at, self._parse_cons[0])
        finally:
            parts = [f.result() for f in later]  # wait for every group, even on an error
        parts.insert(0, first)
        if len(parts) == 1:
            return first
        fixed = [p.fixed for p in parts if p.fixed is not None]
        return Parsed(
            rows=pa.concat_tables([p.rows for p in parts]),
            fix=pa.concat_arrays([p.fix for p in parts]),
            fixed=pa.concat_tables(fixed) if fixed else None,
        )

    def _parse_group(
        self, files: Sequence[SealedFile], loaded_at: datetime, con: duckdb.DuckDBPyConnection
    ) -> Parsed:
        try:
            return self._parse(files, loaded_at, strict=False, con=con)
        except duckdb.InvalidInputException as exc:
            if "Map keys must be unique" not in str(exc):
                raise
            # A payload with a duplicated key: parse again with the slower check that
            # routes such rows through EventCleaner (last value wins, as at ingest).
            return self._parse(files, loaded_at, strict=True, con=con)

    def _parse(
        self,
        files: Sequence[SealedFile],
        loaded_at: datetime,
        strict: bool,
        con: duckdb.DuckDBPyConnection,
    ) -> Parsed:
        paths = sql_list([f.location for f in files])
        # hive_partitioning off: Bronze's event_dt=… folders are *arrival* dates.
        # bronze_file is the file's index here, named after the query (`_name_files`).
        source = f"""SELECT CAST(file_index AS INTEGER) AS bronze_file, received_at, batch_id,
                _unknown_fields AS unk, CAST(event AS VARCHAR) AS ev, NULL::VARCHAR AS kid,
                NULL::TIMESTAMPTZ AS kts
            FROM read_ndjson({paths}, format = 'newline_delimited', hive_partitioning = false,
                columns = {{'received_at': 'TIMESTAMPTZ', 'batch_id': 'VARCHAR',
                            '_unknown_fields': 'VARCHAR[]', 'event': 'JSON'}})"""
        # A relation's Arrow result is built as rows are produced; `execute` would first
        # copy every chunk into a buffered result (~10% of the parse's CPU).
        arrow = con.sql(self._select(source, loaded_at, strict)).to_arrow_table(ARROW_BATCH_ROWS)
        fix = arrow.column("__fix").combine_chunks()
        rows = _name_files(arrow.drop_columns(["__fix"]), [f.rel for f in files])
        fixed = self._fix_rows(rows.filter(fix), loaded_at, con) if pc.any(fix).as_py() else None
        return Parsed(rows=rows, fix=fix, fixed=fixed)

    def keys(self, parsed: Parsed) -> Keys:
        """`refine_keys` (one row per line, `i` = its position) checked and summarised."""
        cols = ["event_id", "event_name", "event_version", "event_dt", "received_at", "bronze_file"]
        n = parsed.rows.num_rows
        keys = parsed.rows.select(cols).append_column("i", pa.array(np.arange(n, dtype=np.int64)))
        # A view over the batch's Arrow columns, not a copy (replaced by the next batch's).
        self.con.register("refine_keys", keys)
        # One pass over few groups: line counts, dates, and the contracts present.
        groups = self.con.execute(
            """SELECT event_name, event_version, event_dt, count(*),
                      count(*) FILTER (event_id IS NULL OR event_dt IS NULL)
               FROM refine_keys GROUP BY ALL"""
        ).fetchall()
        rows = sum(g[3] for g in groups)
        bad = sum(g[4] for g in groups)
        if bad:
            (src,) = self._one(
                "SELECT bronze_file FROM refine_keys WHERE event_id IS NULL OR event_dt IS NULL LIMIT 1"
            )
            raise PipelineError(
                f"Bronze file {src} holds {bad} event(s) without an event_id or a parseable event_ts; "
                "Bronze is validated at ingest, so it was not written by `lakehouse load/serve`."
            )
        unknown = [g for g in groups if (g[0], g[1]) not in self.registry.events]
        if unknown:
            name, version = unknown[0][0], unknown[0][1]
            (src,) = self._one(
                f"""SELECT bronze_file FROM refine_keys
                    WHERE event_name IS NOT DISTINCT FROM {"NULL" if name is None else q(name)}
                      AND event_version IS NOT DISTINCT FROM {"NULL" if version is None else int(version)}
                    LIMIT 1"""
            )
            raise PipelineError(
                f"Bronze file {src} holds {sum(g[3] for g in unknown)} event(s) such as "
                f"{name} v{version} that the schema registry ({self.registry.root}) does not "
                "declare; refine with the registry ingest used."
            )
        dates = sorted({g[2] for g in groups})
        # Ids with more than one line: one hash aggregate, and only their lines are ranked.
        dups = self.con.execute(
            "SELECT event_id, count(*) AS n FROM refine_keys GROUP BY event_id HAVING count(*) > 1"
        ).to_arrow_table()
        extra = int(pc.sum(dups.column("n")).as_py() or 0) - dups.num_rows
        return Keys(rows=rows, distinct=rows - extra, dates=dates, dups=dups)

    def select_new(self, keys: Keys, existing: pa.Table) -> tuple[Selection, pa.Array | None]:
        """Keep the first received copy (received_at, then line order) of each event_id
        not in `existing`. Returns the counts and a keep-mask over the lines (None = all).
        The last step that reads `refine_keys`: the view is dropped here."""
        try:
            return self._select_new(keys, existing)
        finally:
            self.con.unregister("refine_keys")

    def _select_new(self, keys: Keys, existing: pa.Table) -> tuple[Selection, pa.Array | None]:
        if keys.distinct == keys.rows and existing.num_rows == 0:
            return Selection(rows=keys.rows, dup_in_batch=0, dup_in_silver=0), None
        # The lines to drop: later copies of an id, and every line of an id in Silver.
        drops = []
        if keys.dups.num_rows:
            drops.append(
                """SELECT i FROM (
                       SELECT i, row_number() OVER (PARTITION BY event_id ORDER BY received_at, i) AS rn
                       FROM refine_keys SEMI JOIN refine_dups USING (event_id))
                   WHERE rn > 1"""
            )
        if existing.num_rows:
            drops.append("SELECT i FROM refine_keys SEMI JOIN refine_existing USING (event_id)")
        self.con.register("refine_dups", keys.dups)
        self.con.register("refine_existing", existing)
        try:
            drop = self.con.execute(" UNION ALL ".join(drops)).to_arrow_table()
        finally:
            self.con.unregister("refine_existing")
            self.con.unregister("refine_dups")
        keep = np.ones(keys.rows, dtype=bool)
        keep[drop.column("i").to_numpy()] = False
        n = int(keep.sum())
        sel = Selection(
            rows=n, dup_in_batch=keys.rows - keys.distinct, dup_in_silver=keys.distinct - n
        )
        return sel, pa.array(keep)

    def write(
        self, parsed: Parsed, keep: pa.Array | None, data_dir: Path | str, batch_id: str
    ) -> list[str]:
        """The kept rows as `data_dir/event_dt=…/rb-<batch_id>-<uuid>.parquet` files."""
        fix = parsed.fix
        main_keep = pc.invert(fix) if parsed.fixed is not None else None
        if keep is not None:
            main_keep = keep if main_keep is None else pc.and_(main_keep, keep)
        inputs = [(parsed.rows, main_keep)]
        if parsed.fixed is not None:
            inputs.append((parsed.fixed, None if keep is None else keep.filter(fix)))
        # PRIV-2 last, after dedup and the tombstone check have read the ids: the
        # consent-off rows of the whole batch are stripped at once, then every part is
        # written record batch by record batch.
        tables = [
            piece
            for t, k in inputs
            for part, part_keep in split_consent_off(self.con, t, k)
            for piece in _pieces(part, part_keep)
        ]
        return write_partitions(
            tables, self.schema, data_dir, f"rb-{batch_id}", self.codec, pool=self._write_pool
        )

    def _select(self, source: str, loaded_at: datetime, strict: bool, rebuild: bool = False) -> str:
        """Silver rows plus a `__fix` flag from `source` rows of
        (bronze_file, received_at, batch_id, unk, ev, kid, kts).

        A `rebuild` of cleaned rows keeps the event_id (`kid`) and event_ts (`kts`) first
        parsed, so a row never moves to another id or partition than dedup saw.
        """
        # A duplicated key in an object read as a MAP fails the batch like one in the
        # payload; the strict re-parse reads every object as JSON text instead.
        maps = () if strict else self._maps.keys()
        cols = []
        for f in self.schema.fields:
            expr = (
                f"TIMESTAMPTZ {q(loaded_at.isoformat())}"
                if f.name == _LOADED_AT
                else self._column_expr(f, maps)
            )
            cols.append(f"{expr} AS {ident(f.name)}")
        fix = "false" if rebuild else self._fix_condition(maps, strict)
        # event_dt is the UTC date by arithmetic on the epoch: a cast through the session
        # time zone goes through ICU's calendar, ~5% of the parse's CPU for the same date.
        return f"""
            WITH parsed AS (SELECT *, json_transform(ev, {self._structure(maps)}) AS e FROM ({source})
            ), checked AS (
                SELECT * EXCLUDE (kid, kts), coalesce(kid, e.event_id) AS event_id,
                       coalesce(kts, {_ts("e.event_ts")}) AS event_ts, {fix} AS __fix
                FROM parsed
            )
            SELECT {", ".join(cols)}, __fix
            FROM (SELECT *, CAST(make_timestamp(epoch_us(event_ts)) AS DATE) AS event_dt
                  FROM checked)"""

    def _fix_rows(
        self, flagged: pa.Table, loaded_at: datetime, con: duckdb.DuckDBPyConnection
    ) -> pa.Table:
        """The `flagged` rows rebuilt from their cleaned event text (Python; rare)."""
        cleaned = [self.cleaner(t) for t in flagged.column("_raw").to_pylist()]
        src = pa.table(
            {
                "bronze_file": flagged.column("bronze_file"),
                "received_at": flagged.column("received_at"),
                "batch_id": flagged.column("batch_id"),
                "ev": pa.array(cleaned, pa.string()),
                "kid": flagged.column("event_id"),
                "kts": flagged.column("event_ts"),
            }
        )
        con.register("refine_fixed", src)
        try:
            source = "SELECT bronze_file, received_at, batch_id, []::VARCHAR[] AS unk, ev, kid, kts FROM refine_fixed"
            rebuilt = con.execute(
                self._select(source, loaded_at, False, rebuild=True)
            ).to_arrow_table()
        finally:
            con.unregister("refine_fixed")
        return rebuilt.drop_columns(["__fix"]).cast(flagged.schema)

    def _one(self, sql: str) -> tuple[Any, ...]:
        row = self.con.execute(sql).fetchone()
        assert row is not None
        return row
