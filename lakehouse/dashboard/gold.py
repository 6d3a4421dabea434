"""Read-only access to Gold for the dashboards (the same file `lakehouse query` reads)."""

from __future__ import annotations

import duckdb

from lakehouse.access import guard
from lakehouse.access.policy import load_policy
from lakehouse.config import Settings
from lakehouse.errors import LakeEmptyError
from lakehouse.transform.query import gold_database_path


def connect(settings: Settings, role: str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to Gold as `role` (default `$LAKEHOUSE_ROLE`, else admin);
    a clear error when nothing has been built. A limited role sees only its tables,
    columns and cities (PRIV-5, config/access.yml).

    `lakehouse build` swaps a finished copy into place, so an open connection keeps
    reading a complete snapshot while a rebuild runs.
    """
    path = gold_database_path(settings)
    if not path.is_file():
        raise LakeEmptyError(
            f"no Gold at {path}: run `lakehouse refine` and `lakehouse build` first."
        )
    who = load_policy().role(role)
    if not who.unrestricted:
        return guard.connect(path, who)
    return duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
