"""Renders a `QueryResult` as text for `lakehouse query` and `lakehouse shell` (table, csv or json).

csv and json are the machine contract: a header row / an array of objects keyed by
column, timestamps in ISO 8601, NULL as an empty field / null, decimals exact.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import click
import orjson
from rich.console import Console
from rich.table import Table

from lakehouse.transform.query import QueryResult

FORMATS = ("table", "csv", "json")


def format_option(
    help_text: str = "table for people; csv (header row) or json (array of objects) for programs.",
) -> Any:
    """The `--format table|csv|json` option every command that prints rows shares."""
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                        show_default=True, help=help_text)  # fmt: skip


_INT64 = (-(2**63), 2**63 - 1)


def _json_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
        return orjson.Fragment(str(value))  # e.g. a HUGEINT sum: keep it exact
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return orjson.dumps(_json_value(value)).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_json(result: QueryResult) -> str:
    rows = [
        {c: _json_value(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows
    ]
    return orjson.dumps(rows, option=orjson.OPT_NON_STR_KEYS).decode()


def to_csv(result: QueryResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([_text(v) for v in row] for row in result.rows)
    return buf.getvalue()


def text_cells(result: QueryResult) -> list[list[str]]:
    """Every cell as display text (NULL shown as `NULL`), for the table format."""
    return [[("NULL" if v is None else _text(v)) for v in row] for row in result.rows]


def echo_result(result: QueryResult, fmt: str) -> None:
    """Print `result` to stdout in `fmt`; the table format adds a row count on stderr."""
    if fmt == "json":
        click.echo(to_json(result))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        table = Table(*result.columns, show_lines=False)
        for row in text_cells(result):
            table.add_row(*row)
        Console(highlight=False).print(table)
        Console(stderr=True, highlight=False).print(f"{len(result.rows)} row(s)")
