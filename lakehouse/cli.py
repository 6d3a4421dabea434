"""The `lakehouse` command: a thin click front over the library modules.

Command names and flags are a stable contract (other tools call them). Each command
lives beside the module it drives (`lakehouse/<area>/cli.py`); this file only
assembles them and turns `LakehouseError` into a clean message and exit code.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from lakehouse.config import load_settings
from lakehouse.errors import LakehouseError

# (module, attribute) of every command group/command, in `--help` order.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("lakehouse.simulate.cli", "generate"),
    ("lakehouse.ingest.cli", "load"),
    ("lakehouse.ingest.cli", "serve"),
    ("lakehouse.ingest.cli", "send"),
    ("lakehouse.ingest.cli", "schemas"),
    ("lakehouse.ingest.cli", "dlq"),
    ("lakehouse.silver.cli", "refine"),
    ("lakehouse.transform.cli", "build"),
    ("lakehouse.transform.cli", "refresh"),
    ("lakehouse.transform.cli", "query"),
    ("lakehouse.observability.cli", "health"),
    ("lakehouse.workbench.cli", "shell"),
    ("lakehouse.metrics.cli", "metrics"),
    ("lakehouse.metrics.cli", "sql"),
    ("lakehouse.experiments.cli", "analyze"),
    ("lakehouse.experiments.cli", "experiments"),
    ("lakehouse.privacy.cli", "dsar"),
    ("lakehouse.privacy.cli", "audit"),
    ("lakehouse.privacy.cli", "retention"),
    ("lakehouse.access.cli", "access"),
)


class _Group(click.Group):
    """Prints LakehouseError as one readable message instead of a traceback, and imports
    a command's module only when that command runs (or `--help` lists them all): every
    module at start-up cost each command ~0.7 s (pyiceberg, polars, the generator)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for _module, name in COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        for module, name in COMMANDS:
            if name == cmd_name:
                command: click.Command = getattr(importlib.import_module(module), name)
                return command
        return None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LakehouseError as err:
            click.secho(f"error: {err}", fg="red", err=True)
            sys.exit(err.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    default=None,
    help="Lake root folder (default: $LAKEHOUSE_HOME, else ./.lakehouse).",
)
@click.option(
    "--target",
    type=click.Choice(["dev", "ci", "prod"]),
    default=None,
    help="dbt target (default: $LAKEHOUSE_TARGET, else dev).",
)
@click.version_option(package_name="lakehouse")
@click.pass_context
def main(ctx: click.Context, home: str | None, target: str | None) -> None:
    """Lakehouse: ingest → Bronze → Silver (Iceberg) → Gold (dbt) on one laptop."""
    ctx.obj = load_settings(home, target)


if __name__ == "__main__":
    main()
