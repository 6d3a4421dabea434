"""Enforcing the access policy on Gold queries: a checked statement, a restricted view.

Two layers, so one mistake does not leak:

1. `check_sql` parses the query (sqlglot, DuckDB dialect) and refuses, with a clear
   message, any table the role may not read, any denied column, qualified names
   (which could reach the attached file directly) and table functions;
2. `connect` gives an in-memory DuckDB whose only tables are views over Gold with
   the role's columns and city row filter, external access off and configuration
   locked. Dashboards run their own (trusted) SQL on it; `lakehouse query` runs the
   user's SQL on it after the check.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from lakehouse.access.policy import Role
from lakehouse.errors import AccessDeniedError, PipelineError

SOURCE = "gold_src"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def gold_columns(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, list[str]]:
    rows = con.execute(
        "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = 'main' GROUP BY table_name",
        [alias],
    ).fetchall()
    return {t: list(c) for t, c in rows}


def _refuse(role: Role, what: str, fix: str) -> AccessDeniedError:
    return AccessDeniedError(f"role {role.name!r} may not read {what} (access policy); {fix}.")


def check_sql(role: Role, sql: str, tables: dict[str, list[str]]) -> None:
    """Raise `AccessDeniedError` when `sql` reads what `role` may not (see module doc)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise PipelineError(
            f"query failed: cannot parse the SQL ({str(exc).splitlines()[0]})."
        ) from None
    for stmt in statements:
        if not isinstance(stmt, exp.Query):
            raise _refuse(role, f"with a {stmt.key.upper()} statement", "only SELECT queries run")
        ctes = {c.alias_or_name for c in stmt.find_all(exp.CTE)}
        aliases: dict[str, str] = {}
        for t in stmt.find_all(exp.Table):
            if not isinstance(t.this, exp.Identifier):
                raise _refuse(
                    role, f"the table function {t.this.sql('duckdb')}", "query Gold tables by name"
                )
            if t.args.get("db") or t.args.get("catalog"):
                raise _refuse(
                    role,
                    f"the qualified table {t.sql('duckdb')}",
                    "name Gold tables without a schema",
                )
            name = t.name
            if name in ctes:
                continue
            if name not in tables or not role.may_read_table(name):
                raise _refuse(
                    role, f"table {name}", "ask for a role that may, or query another table"
                )
            if role.row_filter(tables[name]) == "":
                raise _refuse(role, f"table {name} (it has no city column to limit rows to "
                              f"{', '.join(role.cities)})", "query a city-level table")  # fmt: skip
            aliases[t.alias_or_name] = name
        read = set(aliases.values())
        for col in stmt.find_all(exp.Column):
            owner = aliases.get(col.table)
            candidates = [owner] if owner else sorted(read)
            for table in candidates:
                if col.name in tables.get(table, []) and role.denies(table, col.name):
                    raise _refuse(
                        role,
                        f"column {table}.{col.name}",
                        "remove it from the query or use a role that may",
                    )


def connect(path: Path, role: Role) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose tables are `role`'s views over the Gold file at `path`."""
    con = duckdb.connect(":memory:")
    try:
        lit = str(path).replace("'", "''")
        con.execute(f"ATTACH '{lit}' AS {SOURCE} (READ_ONLY)")
        for table, columns in sorted(gold_columns(con, SOURCE).items()):
            if not role.may_read_table(table):
                continue
            where = role.row_filter(columns)
            if where == "":
                continue
            keep = ", ".join(_ident(c) for c in columns if not role.denies(table, c))
            if not keep:
                continue
            con.execute(
                f"CREATE VIEW main.{_ident(table)} AS SELECT {keep} FROM {SOURCE}.main.{_ident(table)}"
                + (f" WHERE {where}" if where else "")
            )
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con
