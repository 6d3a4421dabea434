"""The analyst's entry point: `lakehouse.open()` → a `Lake` over Silver and Gold.

One DuckDB connection sees every Silver table as a view over its current Iceberg
snapshot (`lake.events`, via `iceberg_scan`, the same reader dbt uses) and every Gold
table by its plain name (Gold attached read-only). Snapshots are pinned when the lake
is opened, so answers do not change under an analysis; `refresh()` moves to the newest.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import polars as pl
from pyiceberg.table import Table

from lakehouse.access.policy import load_policy
from lakehouse.config import Settings, load_settings
from lakehouse.errors import AccessDeniedError, InvalidArgumentError, LakeEmptyError
from lakehouse.silver import duck
from lakehouse.silver.catalog import catalog_exists, load_catalog
from lakehouse.silver.tables import EVENTS
from lakehouse.transform.query import gold_database_path
from lakehouse.workbench.docs import descriptions
from lakehouse.workbench.metrics import METRICS

# polars plans Iceberg scans with pyiceberg unless the optional polars_iceberg plugin is
# installed, and warns on every scan that it is not; pyiceberg is our pinned planner.
os.environ.setdefault("POLARS_ICEBERG_PLANNER", "pyiceberg")

# Gold schemas whose tables get a plain-name view, earlier ones win a name clash.
_GOLD_SCHEMAS = ("main", "main_intermediate", "main_seeds")
_FILL_SILVER = "`lakehouse load <file.ndjson>` then `lakehouse refine`"
_FILL_GOLD = "`lakehouse build`"

DateLike = date | str


@dataclass(frozen=True)
class GoldTable:
    schema: str
    name: str


class Lake:
    """Silver and Gold of one lake root, for Python analyses (see `lakehouse.open`)."""

    def __init__(self, settings: Settings, role: str | None = None) -> None:
        who = load_policy().role(role)
        if not who.unrestricted:
            # Silver holds person-level ids and the workbench runs any SQL over it (PRIV-5).
            raise AccessDeniedError(
                f"role {who.name!r} may not open the workbench: it reads Silver, which holds "
                f"person-level ids; use `lakehouse query --role {who.name}` (Gold, policy applied)."
            )
        self.settings = settings
        self._con: duckdb.DuckDBPyConnection | None = None
        self.silver: dict[str, Table] = {}  # "lake.events" → its table at the pinned snapshot
        self.gold_path: Path | None = None
        self.gold_tables: dict[str, GoldTable] = {}  # plain name → where it lives in Gold
        self.refresh()

    # -- lifecycle ----------------------------------------------------------------------

    def refresh(self) -> Lake:
        """Re-read the catalog and Gold: later refines and builds become visible."""
        self.close()
        if not self.settings.home.is_dir():
            raise LakeEmptyError(
                f"there is no lake at {self.settings.home}: set LAKEHOUSE_HOME (or pass home=) to "
                f"a lake root, or create one with {_FILL_SILVER} and {_FILL_GOLD}."
            )
        self.silver = _silver_tables(self.settings)
        gold = gold_database_path(self.settings)
        self.gold_path = gold if gold.is_file() else None
        if not self.silver and self.gold_path is None:
            raise LakeEmptyError(
                f"the lake at {self.settings.home} is empty (no Silver, no Gold): fill it with "
                f"{_FILL_SILVER} and {_FILL_GOLD}, or point LAKEHOUSE_HOME at another lake."
            )
        self._con = duck.connect()
        self.gold_tables = {}
        try:
            self._register_silver()
            self._register_gold()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Lake:
        return self

    def __exit__(
        self, exc: type[BaseException] | None, val: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        gold = f"{len(self.gold_tables)} Gold tables" if self.gold_path else "no Gold"
        return f"<Lake {self.settings.home}: Silver {sorted(self.silver)}, {gold}>"

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection behind `sql()` (views over Silver and Gold)."""
        if self._con is None:
            raise LakeEmptyError("this Lake was closed; call refresh() or lakehouse.open() again.")
        return self._con

    # -- SQL ----------------------------------------------------------------------------

    def sql(self, query: str, params: object = None) -> duckdb.DuckDBPyRelation:
        """Run DuckDB SQL over the Silver views (`lake.events`) and Gold tables (`fact_orders`…).

        Returns a relation: `.pl()` for polars, `.df()` for pandas, `.fetchall()` for tuples.
        """
        try:
            return self.con.sql(query, params=params)
        except duckdb.CatalogException as exc:
            missing = self._missing_layers()
            if missing:
                raise LakeEmptyError(f"{exc}\n(this lake has {missing})") from exc
            raise

    def _missing_layers(self) -> str:
        gaps = []
        if not self.silver:
            gaps.append(f"no Silver yet: run {_FILL_SILVER}")
        if self.gold_path is None:
            gaps.append(f"no Gold yet: run {_FILL_GOLD}")
        return "; ".join(gaps)

    # -- Silver -------------------------------------------------------------------------

    def events(
        self,
        start: DateLike | None = None,
        end: DateLike | None = None,
        names: str | Iterable[str] | None = None,
        columns: Iterable[str] | None = None,
    ) -> pl.LazyFrame:
        """`lake.events` as a polars LazyFrame for event days in [start, end] (inclusive).

        The day range prunes Iceberg partitions (`event_dt`), so a one-day scan opens only
        that day's files; `names` (one event name or several) is pushed into the Parquet
        scan; `columns` selects columns (all by default).
        """
        table = self.silver.get(EVENTS)
        if table is None:
            raise LakeEmptyError(
                f"Silver has no {EVENTS} under {self.settings.home}; run {_FILL_SILVER}."
            )
        known = [f.name for f in table.schema().fields]
        wanted = list(columns) if columns is not None else None
        unknown = sorted(set(wanted or ()) - set(known))
        if unknown:
            raise InvalidArgumentError(
                f"{EVENTS} has no column(s) {', '.join(unknown)}; its columns are: {', '.join(known)}."
            )
        lf = pl.scan_iceberg(table)
        if start is not None:
            lf = lf.filter(pl.col("event_dt") >= _day(start, "start"))
        if end is not None:
            lf = lf.filter(pl.col("event_dt") <= _day(end, "end"))
        if names is not None:
            lf = lf.filter(
                pl.col("event_name").is_in([names] if isinstance(names, str) else list(names))
            )
        return lf.select(wanted) if wanted is not None else lf

    def event_files(self, start: DateLike | None = None, end: DateLike | None = None) -> list[str]:
        """The data files a scan of event days in [start, end] reads (Iceberg's own plan)."""
        table = self.silver.get(EVENTS)
        if table is None:
            return []
        clauses = []
        if start is not None:
            clauses.append(f"event_dt >= '{_day(start, 'start').isoformat()}'")
        if end is not None:
            clauses.append(f"event_dt <= '{_day(end, 'end').isoformat()}'")
        scan = table.scan(row_filter=" and ".join(clauses)) if clauses else table.scan()
        return sorted(task.file.file_path for task in scan.plan_files())

    # -- Gold ---------------------------------------------------------------------------

    def tables(self) -> pl.DataFrame:
        """Gold tables: name, schema, rows and the dbt description (marts first)."""
        docs = descriptions(self.settings)
        rows: list[dict[str, Any]] = []
        for name, where in self.gold_tables.items():
            counted = self.con.execute(
                f'select count(*) from gold."{where.schema}"."{where.name}"'
            ).fetchone()
            rows.append(
                {
                    "name": name,
                    "schema": where.schema,
                    "rows": int(counted[0]) if counted else 0,
                    "description": docs.get(name, ""),
                }
            )
        schema = {
            "name": pl.String,
            "schema": pl.String,
            "rows": pl.Int64,
            "description": pl.String,
        }
        return pl.DataFrame(rows, schema=schema)

    def table(self, name: str) -> pl.DataFrame:
        """One Gold table (e.g. "fact_orders", "kpi_gmv_daily") as a polars DataFrame."""
        self._require_gold()
        where = self.gold_tables.get(name)
        if where is None:
            raise InvalidArgumentError(
                f"Gold has no table {name!r}; known tables: {', '.join(sorted(self.gold_tables))}."
            )
        return self.con.sql(f'select * from gold."{where.schema}"."{where.name}"').pl()

    def metric(self, name: str, start: DateLike, end: DateLike) -> pl.DataFrame:
        """A canonical metric per day in [start, end] (inclusive): columns date, any
        dimension it keeps (currency for money) and the value named after the metric.
        Days without activity have no row. `lakehouse.workbench.METRICS` lists them."""
        metric = METRICS.get(name)
        if metric is None:
            raise InvalidArgumentError(
                f"unknown metric {name!r}; known metrics: {', '.join(sorted(METRICS))}."
            )
        self._require_gold()
        if metric.model not in self.gold_tables:
            raise LakeEmptyError(
                f"metric {name} reads {metric.model}, which this Gold does not have; "
                f"run {_FILL_GOLD} (without --select) first."
            )
        first, last = _day(start, "start"), _day(end, "end")
        return self.con.execute(metric.sql(), [first, last]).pl()

    def _require_gold(self) -> None:
        if self.gold_path is None:
            raise LakeEmptyError(
                f"Gold is not built under {self.settings.home}; run {_FILL_GOLD} first."
            )

    # -- registration -------------------------------------------------------------------

    def _register_silver(self) -> None:
        for ident, table in self.silver.items():
            namespace, name = ident.rsplit(".", 1)
            self.con.execute(f'create schema if not exists "{namespace}"')
            location = str(table.metadata_location).replace("'", "''")
            self.con.execute(
                f'create view "{namespace}"."{name}" as select * from iceberg_scan(\'{location}\')'
            )

    def _register_gold(self) -> None:
        if self.gold_path is None:
            return
        path = str(self.gold_path).replace("'", "''")
        self.con.execute(f"attach '{path}' as gold (read_only)")
        found = self.con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = 'gold' "
            "order by table_name"
        ).fetchall()
        order = {s: i for i, s in enumerate(_GOLD_SCHEMAS)}
        for schema, name in sorted(found, key=lambda r: (order.get(r[0], len(order)), r[1])):
            if name in self.gold_tables:
                continue
            self.gold_tables[name] = GoldTable(schema, name)
            self.con.execute(f'create view main."{name}" as select * from gold."{schema}"."{name}"')


def _silver_tables(settings: Settings) -> dict[str, Table]:
    """Every catalog table that has a snapshot (an empty table has nothing to scan)."""
    if not catalog_exists(settings) or not settings.silver_dir.is_dir():
        return {}
    catalog = load_catalog(settings)
    out: dict[str, Table] = {}
    for namespace in catalog.list_namespaces():
        for ident in catalog.list_tables(namespace):
            table = catalog.load_table(ident)
            if table.current_snapshot() is not None:
                out[".".join(ident)] = table
    return out


def _day(value: DateLike, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgumentError(
            f"{what}={value!r} is not a date; pass a datetime.date or 'YYYY-MM-DD'."
        ) from None


def open_lake(home: str | os.PathLike[str] | None = None, role: str | None = None) -> Lake:
    """The lake at `home` (default: $LAKEHOUSE_HOME, else ./.lakehouse), like the CLI, as
    `role` (default $LAKEHOUSE_ROLE, else admin): only an unrestricted role may open it."""
    return Lake(load_settings(home), role)
