"""CLI command for Silver: `lakehouse refine`."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from lakehouse.config import Settings
from lakehouse.silver import BATCH_MB

console = Console(stderr=True)


@click.command()
@click.option(
    "--batch-mb",
    default=BATCH_MB,
    show_default=True,
    type=click.IntRange(1, 1 << 16),
    help="Bronze bytes refined per batch (one Iceberg commit each); bounds memory.",
)
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="If another refine is running on this lake, wait for it (default) or fail at once.",
)
@click.pass_obj
def refine(settings: Settings, batch_mb: int, wait: bool) -> None:
    """Refine sealed Bronze files into the Iceberg table lake.events (Silver).

    Incremental and exactly once: each Bronze file is loaded once, duplicates of an
    event_id collapse to the first received copy, and a refine killed at any point can
    simply be run again. Prints one summary line.
    """
    from lakehouse.silver.refine import refine as run_refine

    with Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("refining", total=None)

        def on_progress(done: int, total: int, note: str) -> None:
            progress.update(task, completed=done, total=total, description=note)

        result = run_refine(
            settings,
            batch_bytes=batch_mb << 20,
            wait=wait,
            on_wait=lambda msg: console.print(msg),
            on_progress=on_progress,
        )
    for line in result.recovered:
        console.print(f"recovered batch {line}")
    if result.added_columns:
        console.print(f"lake.events gained column(s): {', '.join(result.added_columns)}")
    click.echo(result.summary())
