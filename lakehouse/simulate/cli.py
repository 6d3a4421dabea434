"""`lakehouse generate`: write a deterministic event file and its truth file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from rich.console import Console

from lakehouse.simulate.faults import FAULT_KINDS
from lakehouse.simulate.generator import DEFAULT_DAYS, DEFAULT_START
from lakehouse.simulate.generator import generate as run_generate
from lakehouse.simulate.truth import Truth, truth_path


def summary(truth: Truth, out: Path) -> str:
    """One line a person can check the run by."""
    bad = ", ".join(f"{r} {n}" for r, n in truth.rejected_by_reason.items())
    return (
        f"wrote {truth.lines_written:,} lines to {out} (+ {truth_path(out).name}): "
        f"{truth.valid_events:,} valid unique events, {truth.duplicate_deliveries:,} duplicates, "
        f"{truth.rejected_lines:,} bad ({bad}); {truth.orders:,} orders, GMV {truth.gmv_cents / 100:,.2f}"
    )


@click.command("generate")
@click.option(
    "--events",
    "-n",
    type=click.IntRange(min=100),
    required=True,
    help="How many lines to write (±1%), e.g. 200000.",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Random seed; the same arguments always give identical bytes.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output NDJSON file; the truth goes to OUT.truth.json.",
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    default=DEFAULT_START.isoformat(),
    show_default=True,
    help="First UTC day of the simulated window.",
)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=366),
    default=DEFAULT_DAYS,
    show_default=True,
    help="Length of the window in days.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    type=click.Choice(FAULT_KINDS),
    help="Plant a pipeline fault (repeatable): loss, lag (writes OUT.delayed.ndjson), drift, "
    "gmv_drop or dlq_burst; recorded under `faults` in the truth file.",
)
def generate(
    events: int, seed: int, out: Path, start: datetime | date, days: int, faults: tuple[str, ...]
) -> None:
    """Generate a deterministic marketplace event file with planted truths."""
    day = start.date() if isinstance(start, datetime) else start
    console = Console(stderr=True)
    truth = run_generate(
        events, seed, out, start=day, days=days, progress=console.is_terminal, faults=faults
    )
    click.echo(summary(truth, out))
    if faults:
        click.echo(f"planted faults: {', '.join(faults)} (see {truth_path(out).name})")
