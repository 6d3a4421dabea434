"""CLI commands for Gold: `build` (dbt over the current Silver snapshot), `refresh --nrt`
(today's near-real-time views only) and `query`."""

from __future__ import annotations

import threading

import click
from rich.console import Console

from lakehouse.config import Settings
from lakehouse.transform.output import echo_result, format_option

console = Console(stderr=True, highlight=False)
_MARK = {
    "success": "[green]ok[/]",
    "pass": "[green]ok[/]",
    "skipped": "[yellow]skip[/]",
    "warn": "[yellow]warn[/]",
}


@click.command()
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild incremental models from scratch instead of only the days that changed.",
)
@click.option(
    "--select",
    "select",
    default=None,
    metavar="SELECTOR",
    help="dbt node selection, e.g. 'fact_sessions+' or 'marts.kpi' (default: the whole project).",
)
@click.option(
    "--test-all",
    is_flag=True,
    help="Run data tests on every row; by default an incremental build tests the rows it wrote.",
)
@click.pass_obj
def build(settings: Settings, full_refresh: bool, select: str | None, test_all: bool) -> None:
    """Build Gold: run dbt (seeds, models, data and unit tests; an incremental build skips
    seeds and unit tests while the dbt project is unchanged) over the current Silver
    snapshot. Prints a line per model and a summary with timings; on failure names the
    failing models/tests with dbt's message and leaves the previous Gold in place."""
    from lakehouse.transform.runner import NodeResult
    from lakehouse.transform.runner import build as run_build

    lock = threading.Lock()

    def progress(node: NodeResult) -> None:
        if node.resource_type in ("test", "unit_test", "exposure") and node.ok:
            if node.status == "warn":  # shown with dbt's message, but not a failure
                console.print(f"  [yellow]warn[/] {node.name}: {node.message}")
            return  # tests are summarised at the end; failures are shown
        mark = _MARK.get(node.status, f"[red]{node.status}[/]")
        with lock:
            console.print(
                f"  {mark:<18} {node.resource_type:<9} {node.name:<40} {node.seconds:6.2f}s"
            )

    console.print(f"building Gold (target {settings.target}) under {settings.home} …")
    result = run_build(
        settings, full_refresh=full_refresh, select=select, on_node=progress, test_all=test_all,
        on_notice=lambda line: console.print(f"[yellow]{line}[/]"),
    )  # fmt: skip
    slowest = sorted(
        (n for n in result.nodes if n.resource_type == "model"), key=lambda n: -n.seconds
    )[:3]
    slow = ", ".join(f"{n.name} {n.seconds:.1f}s" for n in slowest)
    if result.silver_metadata:
        console.print(f"read Silver snapshot {result.silver_metadata.rsplit('/', 1)[-1]}")
    click.echo(
        f"Gold built in {result.seconds:.1f}s (target {result.target}): "
        f"{result.count('model')} models, {result.count('seed')} seeds, "
        f"{result.count('test')} data test nodes, {result.count('unit_test')} unit tests passed"
        + (f"; slowest: {slow}" if slow else "")
    )
    _report_alerts(settings)


@click.command()
@click.option(
    "--nrt",
    is_flag=True,
    help="Refresh the near-real-time ops views (models tagged nrt) over today's UTC partitions.",
)
@click.pass_obj
def refresh(settings: Settings, nrt: bool) -> None:
    """Refresh part of Gold without a full build. With --nrt (LAKE-4): refine new Bronze
    into Silver, freeze the ops snapshot, then rebuild only today's near-real-time views
    (nrt_volume_hourly, nrt_lag_hourly, nrt_dlq_hourly, nrt_status; "today" is the UTC day,
    LAKEHOUSE_NOW honoured) from the new Silver snapshot, and swap Gold in atomically.
    Prints each step with its time. Needs a built Gold: run `lakehouse build` first.

    \b
    Example: lakehouse --home ./.lakehouse refresh --nrt"""
    from lakehouse.transform.nrt import refresh_nrt
    from lakehouse.transform.query import run_query
    from lakehouse.transform.runner import NodeResult

    if not nrt:
        raise click.UsageError(
            "say what to refresh: `lakehouse refresh --nrt` rebuilds today's near-real-time "
            "views; `lakehouse build` rebuilds all of Gold."
        )

    def progress(node: NodeResult) -> None:
        if node.resource_type in ("test", "unit_test") and node.ok:
            return  # counted in the dbt step line; failures are shown
        mark = _MARK.get(node.status, f"[red]{node.status}[/]")
        console.print(
            f"           {mark:<18} {node.resource_type:<9} {node.name:<32} {node.seconds:6.2f}s"
        )

    def step(line: str) -> None:
        console.print(line, soft_wrap=True)  # one line per step, also when piped

    result = refresh_nrt(settings, on_step=step, on_node=progress)
    ((day, refreshed_at, n_events, n_dead),) = run_query(
        settings,
        "select event_dt, refreshed_at, n_events, n_dead_letters from nrt_status",
        role="admin",
    ).rows
    click.echo(
        f"near-real-time views refreshed in {result.seconds:.1f}s for {day} (UTC) at "
        f"{refreshed_at:%H:%M:%S}: {n_events} events and {n_dead} dead letters today; "
        "the rest of Gold is as the last `lakehouse build` left it"
    )


def _report_alerts(settings: Settings) -> None:
    """After a build: say how many alarms are open and post new ones to a configured webhook."""
    import os

    from lakehouse.observability.alerts import (
        WEBHOOK_ENV,
        gold_has_alerts_table,
        notify,
        open_alerts,
    )

    if settings.target == "prod" or not gold_has_alerts_table(settings):
        return
    alerts = open_alerts(settings)
    if alerts:
        console.print(f"[red]{len(alerts)} open alert(s)[/]: run `lakehouse health` for details")
    url = os.environ.get(WEBHOOK_ENV)
    if url and alerts:
        delivery = notify(settings, alerts, url)
        console.print(f"webhook: {len(delivery.sent)} sent, {len(delivery.failed)} failed")


@click.command()
@click.argument("sql")
@format_option()
@click.option(
    "--role",
    type=click.Choice(["admin", "analyst", "support", "finance"]),
    default=None,
    help="Query as this role of config/access.yml (default: $LAKEHOUSE_ROLE, else admin).",
)
@click.pass_obj
def query(settings: Settings, sql: str, fmt: str, role: str | None) -> None:
    """Run read-only SQL over Gold (the DuckDB file `lakehouse build` writes) and print
    the result, e.g. lakehouse query "select * from kpi_gmv_daily" --format csv."""
    from lakehouse.transform.query import run_query

    echo_result(run_query(settings, sql, role), fmt)
