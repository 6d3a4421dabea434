"""`lakehouse query`: read-only SQL over the Gold DuckDB file (a stable contract).

The file is opened read-only with external access disabled, so a query can read Gold
tables but cannot write them, write files, or attach anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from lakehouse.config import Settings
from lakehouse.errors import ConfigError, LakeEmptyError, PipelineError


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def gold_database_path(settings: Settings) -> Path:
    """The DuckDB file that holds Gold for the settings' target (dev or ci)."""
    if settings.target == "dev":
        return settings.gold_path
    if settings.target == "ci":
        return settings.home / "tmp" / "gold-ci.duckdb"
    raise ConfigError(
        "target prod keeps Gold in Athena; `lakehouse query` reads the local DuckDB Gold "
        "(use --target dev or ci), query Athena directly for prod."
    )


def run_query(settings: Settings, sql: str, role: str | None = None) -> QueryResult:
    """Run `sql` against Gold read-only as `role` (default `$LAKEHOUSE_ROLE`, else admin);
    every row of the last statement's result. A role with limits (config/access.yml)
    gets a clear `AccessDeniedError` for a table or column it may not read, and only
    its cities' rows (PRIV-5)."""
    from lakehouse.access import guard
    from lakehouse.access.policy import load_policy

    path = gold_database_path(settings)
    if not path.is_file():
        raise LakeEmptyError(f"Gold does not exist yet at {path}; run `lakehouse build` first.")
    if not sql.strip():
        raise PipelineError(
            'the query is empty; pass SQL such as "select * from fact_orders limit 5".'
        )
    who = load_policy().role(role)
    if who.unrestricted:
        con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
    else:
        con = guard.connect(path, who)
        guard.check_sql(who, sql, guard.gold_columns(con, guard.SOURCE))
    try:
        # DuckDB shares one instance per file within a process (e.g. the dashboard's own
        # read-only connection); its configuration may already be locked by an earlier query.
        if not con.execute("select current_setting('lock_configuration')").fetchone()[0]:  # type: ignore[index]
            con.execute("set lock_configuration = true")
        cursor = con.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    except duckdb.Error as exc:
        raise PipelineError(f"query failed: {exc}") from None
    finally:
        con.close()
    return QueryResult(columns=columns, rows=rows)
