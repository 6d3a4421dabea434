"""Read-only access to Gold for the dashboards (the same file `lakehouse query` reads)."""

from __future__ import annotations

import duckdb

from lakehouse.config import Settings
from lakehouse.errors import LakeEmptyError
from lakehouse.transform.query import gold_database_path


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to Gold; a clear error when nothing has been built.

    `lakehouse build` swaps a finished copy into place, so an open connection keeps
    reading a complete snapshot while a rebuild runs.
    """
    path = gold_database_path(settings)
    if not path.is_file():
        raise LakeEmptyError(
            f"no Gold at {path}: run `lakehouse refine` and `lakehouse build` first."
        )
    return duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
