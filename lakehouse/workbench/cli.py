"""CLI command for analysts: `lakehouse shell`."""

from __future__ import annotations

import click

from lakehouse.config import Settings
from lakehouse.transform.output import format_option


@click.command()
@click.option(
    "-c",
    "--command",
    "sql",
    default=None,
    metavar="SQL",
    help="Run this SQL (one statement, or several: the last one's result is printed) and exit.",
)
@format_option()
@click.pass_obj
def shell(settings: Settings, sql: str | None, fmt: str) -> None:
    """Read-only DuckDB SQL over Silver and Gold: lake.events (the current Iceberg
    snapshot) and every Gold table by name. Interactive with history (kept in
    LAKEHOUSE_HOME/state/shell_history), or one-shot with -c, e.g.
    lakehouse shell -c "select event_name, count(*) from lake.events group by 1"."""
    from lakehouse.transform.output import echo_result
    from lakehouse.workbench.lake import Lake
    from lakehouse.workbench.shell import HELP, Shell, lock_down, run_sql

    with Lake(settings) as lake:
        lock_down(lake)
        if sql is not None:
            echo_result(run_sql(lake.con, sql), fmt)
            return
        history = settings.state_dir / "shell_history"
        prompt = Shell(lake, fmt, history)
        if prompt.interactive:
            click.echo(f"{lake!r}\n{HELP}")
        prompt.run()
