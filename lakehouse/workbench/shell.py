"""`lakehouse shell`: a read-only DuckDB SQL prompt over the workbench views.

Read-only like `lakehouse query`: Gold is attached read-only, Silver is read through
`iceberg_scan`, file access is limited to the Silver table folders, settings are
locked, and only statements that read (SELECT, EXPLAIN, PRAGMA, CALL) are run — so
nothing typed here can change the lake or write a file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TextIO

import click
import duckdb

from lakehouse.errors import PipelineError
from lakehouse.transform.output import echo_result
from lakehouse.transform.query import QueryResult
from lakehouse.workbench.lake import Lake

_READS = frozenset(
    {
        duckdb.StatementType.SELECT,
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.PRAGMA,
        duckdb.StatementType.CALL,
    }
)
HISTORY_LENGTH = 2000
HELP = """\
SQL ends with `;` and may span lines. Views: lake.events (Silver) and every Gold table
by name (fact_orders, kpi_gmv_daily, …). Commands:
  .tables   Gold tables with row counts and descriptions
  .help     this text
  .quit     leave (or Ctrl-D)"""


def lock_down(lake: Lake) -> None:
    """Make the lake's connection read-only for people typing SQL (see module doc)."""
    con = lake.con
    folders = [_local(t.location()) for t in lake.silver.values()]
    listed = ", ".join("'" + f.replace("'", "''") + "/'" for f in folders)
    con.execute(f"set allowed_directories = [{listed}]")
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def _local(uri: str) -> str:
    return uri.removeprefix("file://").rstrip("/")


def run_sql(con: duckdb.DuckDBPyConnection, sql: str) -> QueryResult:
    """Run every statement of `sql` (reads only); the last one's result."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise PipelineError(f"query failed: {exc}") from None
    if not statements:
        raise PipelineError('nothing to run; pass SQL such as "select * from kpi_gmv_daily".')
    refused = [s.type.name for s in statements if s.type not in _READS]
    if refused:
        raise PipelineError(
            f"the shell is read-only: {', '.join(refused)} statements are refused; "
            "use SELECT (or EXPLAIN, PRAGMA, CALL). To save a result, use the Python API "
            "(lakehouse.open().sql(...).pl().write_csv(...))."
        )
    cursor: duckdb.DuckDBPyConnection | None = None
    try:
        for statement in statements:
            cursor = con.execute(statement.query)
        assert cursor is not None
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    except duckdb.Error as exc:
        raise PipelineError(f"query failed: {exc}") from None
    return QueryResult(columns=columns, rows=rows)


def statements(lines: Iterator[str]) -> Iterator[str]:
    """Group input lines into `;`-terminated statements; `.command` lines stand alone."""
    buffer: list[str] = []
    for line in lines:
        if not buffer and line.strip().startswith("."):
            yield line.strip()
            continue
        if not buffer and not line.strip():
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            yield "\n".join(buffer)
            buffer = []
    if any(part.strip() for part in buffer):
        yield "\n".join(buffer)  # the last statement may omit its `;` at end of input


class Shell:
    """The prompt loop: reads statements, prints results in `fmt`, keeps going on errors."""

    def __init__(self, lake: Lake, fmt: str, history: Path) -> None:
        self.lake = lake
        self.fmt = fmt
        self.history = history
        self.interactive = sys.stdin.isatty()

    def run(self, stdin: TextIO = sys.stdin) -> None:
        readline = self._start_history()
        try:
            for text in statements(self._lines(stdin)):
                if not self.handle(text):
                    break
        finally:
            if readline is not None:
                self.history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(str(self.history))

    def handle(self, text: str) -> bool:
        """Run one statement or dot-command; False means leave."""
        command = text.split()[0].lower() if text.startswith(".") else ""
        if command in (".quit", ".exit", ".q"):
            return False
        if command == ".help":
            click.echo(HELP)
        elif command == ".tables":
            frame = self.lake.tables()
            echo_result(QueryResult(frame.columns, frame.rows()), self.fmt)
        elif command:
            click.secho(f"unknown command {command}; try .help", fg="red", err=True)
        else:
            try:
                echo_result(run_sql(self.lake.con, text), self.fmt)
            except PipelineError as err:
                click.secho(f"error: {err}", fg="red", err=True)
        return True

    def _lines(self, stdin: TextIO) -> Iterator[str]:
        prompt, more = ("lakehouse> ", "      ...> ") if self.interactive else ("", "")

        def read(prompt: str) -> str:
            return input(prompt) if stdin is sys.stdin else _next(stdin)

        first = True
        while True:
            try:
                line = read(prompt if first else more)
            except EOFError:
                if self.interactive:
                    click.echo()
                return
            except KeyboardInterrupt:  # Ctrl-C drops the statement being typed
                click.echo()
                first = True
                continue
            # the next line starts a statement after `;`, a dot-command or a blank start
            stripped = line.strip()
            first = stripped.endswith(";") or (first and (not stripped or stripped[0] == "."))
            yield line

    def _start_history(self) -> ModuleType | None:
        """Line editing and a persistent history when a person is typing."""
        if not self.interactive:
            return None
        try:
            import readline
        except ImportError:  # pragma: no cover - not on every platform
            return None
        readline.set_history_length(HISTORY_LENGTH)
        if self.history.is_file():
            readline.read_history_file(str(self.history))
        return readline


def _next(stream: TextIO) -> str:
    line = stream.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")
