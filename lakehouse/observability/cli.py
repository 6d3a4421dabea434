"""CLI command for observability: `lakehouse health`."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from lakehouse.config import Settings
from lakehouse.observability.alerts import WEBHOOK_ENV, notify
from lakehouse.observability.health import Health, check_health

_STATUS = {"ok": "[green]ok[/]", "failed": "[red]failed[/]"}


def _runs_table(health: Health) -> Table:
    table = Table(title="Pipeline runs (latest per stage)", title_justify="left")
    for col in ("stage", "started (UTC)", "seconds", "rows in", "rows out", "status"):
        table.add_column(
            col, justify="right" if col in ("seconds", "rows in", "rows out") else "left"
        )
    for stage, run in health.latest_runs.items():
        if run is None:
            table.add_row(stage, "-", "-", "-", "-", "[dim]never ran[/]")
            continue
        status = _STATUS.get(run["status"], run["status"])
        if run.get("error"):
            status += f" [dim]{run['error'][:80]}[/]"
        table.add_row(
            stage, run["started_at"][:19].replace("T", " "), f"{run['seconds']:.1f}",
            f"{run['rows_in']:,}", f"{run['rows_out']:,}", status,
        )  # fmt: skip
    return table


def _alerts_table(health: Health) -> Table:
    table = Table(title=f"Open alerts ({len(health.alerts)})", title_justify="left")
    for col in ("kind", "window (UTC)", "subject", "message"):
        table.add_column(col)
    for a in health.alerts:
        table.add_row(
            f"[red]{a.alert_kind}[/]",
            a.window_start_at.strftime("%Y-%m-%d %H:%M"),
            a.subject,
            a.message,
        )
    return table


@click.command()
@click.option(
    "--webhook",
    envvar=WEBHOOK_ENV,
    default=None,
    metavar="URL",
    help=f"POST each new alert as JSON to this URL, once per alert (default: ${WEBHOOK_ENV}).",
)
@click.pass_obj
def health(settings: Settings, webhook: str | None) -> None:
    """Print the latest run of each stage and every open alert (lag, loss, DLQ burst,
    schema drift, GMV/CTR moves) from the last build. Exits 1 while any alert is open,
    a stage's last run failed, or Gold has not been built; 0 when all is well."""
    console = Console(highlight=False)
    result = check_health(settings)
    console.print(_runs_table(result))
    if not result.gold_ready:
        console.print("[yellow]Gold has no ops_alerts yet: run `lakehouse build`.[/]")
    elif result.alerts:
        console.print(_alerts_table(result))
    else:
        console.print("[green]no open alerts[/]")
    if webhook and result.alerts:
        delivery = notify(settings, result.alerts, webhook)
        console.print(
            f"webhook: {len(delivery.sent)} sent, {delivery.already_sent} already sent"
            + (
                f", [red]{len(delivery.failed)} failed (retried next run)[/]"
                if delivery.failed
                else ""
            )
        )
    verdict = "healthy" if result.healthy else "UNHEALTHY"
    click.echo(f"{verdict}: {len(result.alerts)} open alert(s), failed stages: "
               f"{', '.join(result.failed_stages) or 'none'}")  # fmt: skip
    if not result.healthy:
        sys.exit(1)
