"""CLI: `lakehouse metrics list|show|run` and `lakehouse sql transpile|check` (FUN-2, CLOUD-4)."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lakehouse.config import Settings
from lakehouse.errors import SqlPortabilityError
from lakehouse.metrics.portability import DIALECTS, Finding
from lakehouse.transform.output import format_option, text_cells, to_csv, to_json

console = Console(stderr=True, highlight=False)
_DATE = click.DateTime(formats=["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


@click.group()
def metrics() -> None:
    """Canonical metrics (FUN-2): one Athena SQL file each under metrics/, run locally on
    Gold after sqlglot transpiles them to DuckDB."""


@metrics.command("list")
def list_cmd() -> None:
    """List every metric with its title and grain."""
    from lakehouse.metrics.catalogue import list_metrics

    for metric in list_metrics():
        click.echo(f"{metric.name:<30} {metric.title}  [{metric.header['grain']}]")


@metrics.command()
@click.argument("name")
@click.option(
    "--dialect",
    type=click.Choice(DIALECTS),
    default="athena",
    show_default=True,
    help="athena: the canonical file; duckdb: the SQL `metrics run` executes locally.",
)
def show(name: str, dialect: str) -> None:
    """Print a metric's definition (header) and SQL, e.g. lakehouse metrics show gmv."""
    from lakehouse.metrics.catalogue import get_metric, local_sql

    metric = get_metric(name)
    click.echo(metric.sql if dialect == "athena" else local_sql(metric))


@metrics.command()
@click.argument("name")
@click.option(
    "--start", type=_DATE, default=None, help="First day of the window (YYYY-MM-DD, UTC)."
)
@click.option("--end", type=_DATE, default=None, help="Last day of the window, inclusive.")
@format_option("table for people; csv or json for programs (same contract as `lakehouse query`).")
@click.pass_obj
def run(
    settings: Settings, name: str, start: datetime | None, end: datetime | None, fmt: str
) -> None:
    """Run a metric on the local Gold (read-only) over a window of days (default: all)."""
    from lakehouse.metrics.catalogue import get_metric, run_metric

    metric = get_metric(name)
    result = run_metric(settings, metric, _day(start), _day(end))
    if fmt == "json":
        click.echo(to_json(result))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        table = Table(*result.columns, title=metric.title)
        for row in text_cells(result):
            table.add_row(*row)
        Console(highlight=False).print(table)


@click.group()
def sql() -> None:
    """SQL portability between DuckDB (laptop) and Athena (production): transpile and lint."""


def _print_findings(label: str, findings: list[Finding]) -> None:
    for finding in findings:
        console.print(f"[yellow]warning[/] {label}: {finding}", soft_wrap=True)


@sql.command()
@click.argument(
    "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False
)
@click.option("--sql", "text", default=None, help="The SQL to transpile, instead of a FILE.")
@click.option(
    "--from",
    "source",
    type=click.Choice(DIALECTS),
    default="duckdb",
    show_default=True,
    help="Dialect the SQL is written in.",
)
@click.option(
    "--to",
    "target",
    type=click.Choice(DIALECTS),
    default="athena",
    show_default=True,
    help="Dialect to write.",
)
@click.option("--strict", is_flag=True, help="Exit non-zero when there is any warning.")
def transpile(file: Path | None, text: str | None, source: str, target: str, strict: bool) -> None:
    """Print FILE (or --sql) rewritten from one dialect to the other by sqlglot, with a
    warning (construct, why, portable rewrite) per construct known to mis-translate or to
    behave differently on the two engines."""
    from lakehouse.metrics.portability import transpile as run_transpile

    if (file is None) == (text is None):
        raise SqlPortabilityError("pass exactly one of FILE or --sql with the query to transpile.")
    body = text if text is not None else file.read_text()  # type: ignore[union-attr]
    origin = str(file) if file else "--sql"
    result = run_transpile(body, source, target, origin=origin)
    click.echo(result.sql)
    _print_findings(origin, result.findings)
    if result.findings:
        console.print(f"{len(result.findings)} portability warning(s)")
        if strict:
            raise SystemExit(1)


@sql.command()
def check() -> None:
    """Lint every dbt model and data test compiled for Athena (prod, offline via a loopback
    AWS emulator; full-refresh and incremental branches) and every metric file; exits
    non-zero on any parse failure or warning."""
    from lakehouse.metrics.catalogue import list_metrics, metric_findings
    from lakehouse.metrics.portability import lint, parse
    from lakehouse.transform.athena_compile import compile_for_athena

    n_warnings = 0
    metric_files = list_metrics()
    for metric in metric_files:
        found = metric_findings(metric)
        _print_findings(f"metrics/{metric.path.name}", found)
        n_warnings += len(found)
    console.print("compiling the dbt project for target prod (Athena) offline …")
    with tempfile.TemporaryDirectory(prefix="lakehouse-athena-") as work:
        nodes = compile_for_athena(Path(work))
    for node in nodes:
        found = lint(
            parse(node.sql, "athena", origin=f"{node.name} ({node.branch})"), "athena", "athena"
        )
        _print_findings(f"{node.resource_type} {node.name} ({node.branch})", found)
        n_warnings += len(found)
    models = sum(1 for n in nodes if n.resource_type == "model")
    tests = len(nodes) - models
    click.echo(
        f"checked {len(metric_files)} metrics and {models} compiled model statements "
        f"(incl. incremental branches) and {tests} data tests for Athena: "
        f"{n_warnings} portability warning(s)"
    )
    if n_warnings:
        raise SqlPortabilityError(
            f"{n_warnings} portability warning(s) above; rewrite each construct as its "
            "warning says (engine differences go in macros/engine/engine.sql)."
        )
