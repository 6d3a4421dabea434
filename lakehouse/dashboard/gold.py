"""Read-only access to the published Gold snapshot for the dashboards.

`lakehouse build` and `lakehouse analyze` write a working copy and `os.replace` it over
Gold, so a reader never sees a half-built file and a shared read lock on the old file never
blocks the swap. A page identifies the snapshot it reads by the file's inode and mtime;
when a rebuild publishes a new file the identity changes and the page opens the new one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lakehouse.access import guard
from lakehouse.access.policy import load_policy
from lakehouse.config import Settings
from lakehouse.errors import LakeEmptyError
from lakehouse.transform.query import gold_database_path


@dataclass(frozen=True)
class Snapshot:
    """One published Gold file: the path plus what changes when a rebuild swaps it."""

    path: str
    inode: int
    mtime_ns: int
    size: int

    @property
    def key(self) -> str:
        """A string that names this snapshot in caches."""
        return f"{self.path}:{self.inode}:{self.mtime_ns}:{self.size}"


def current(settings: Settings) -> Snapshot:
    """The Gold snapshot published right now; a clear error when nothing has been built."""
    path = gold_database_path(settings)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise LakeEmptyError(
            f"no Gold at {path}: run `lakehouse refine` and `lakehouse build` first."
        ) from None
    return Snapshot(str(path), st.st_ino, st.st_mtime_ns, st.st_size)


def open_snapshot(snapshot: Snapshot, role: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to `snapshot`, with Gold's tables as the default schema.

    As `role` (default `$LAKEHOUSE_ROLE`, else admin): a limited role gets only its
    tables, columns and cities, as views (PRIV-5, config/access.yml).

    DuckDB hands back its cached database for a path it already has open, which after a
    swap is the replaced file; attaching into a fresh in-memory database always opens the
    file that is at the path now.
    """
    who = load_policy().role(role)
    if not who.unrestricted:
        return guard.connect(Path(snapshot.path), who)
    con = duckdb.connect(":memory:")
    literal = snapshot.path.replace("'", "''")
    con.execute(f"attach '{literal}' as gold (read_only)")
    con.execute("use gold")
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor on `con` (cursors may run in parallel threads) that reads Gold's tables."""
    cur = con.cursor()
    found = cur.execute("select count(*) from duckdb_databases() where database_name = 'gold'")
    if (found.fetchone() or (0,))[0]:  # a limited role's views live in the default schema
        cur.execute("use gold")  # the default schema is per cursor, not inherited
    return cur


def connect(settings: Settings, role: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the Gold published now (for scripts and tests)."""
    return open_snapshot(current(settings), role)


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether Gold has table `name` (e.g. `fact_experiment_result` before any analyze)."""
    row = con.execute(
        "select count(*) from (select table_name from duckdb_tables() where database_name = 'gold' "
        "union all select view_name from duckdb_views() where not internal) where table_name = ?",
        [name],
    ).fetchone()  # a limited role sees Gold's tables as views
    return bool(row and row[0])
