"""CLI commands for ingest: `load`, `serve`, `schemas …`, `dlq …`."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from lakehouse.config import Settings
from lakehouse.errors import SchemaRegistryError

console = Console(stderr=True)


def _progress(*columns: str | ProgressColumn) -> Progress:
    """A progress bar on stderr, shown only on a terminal (CI logs stay clean)."""
    return Progress(
        "[progress.description]{task.description}", BarColumn(), *columns, TimeRemainingColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    )  # fmt: skip


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def load(settings: Settings, paths: tuple[Path, ...]) -> None:
    """Bulk-ingest NDJSON files (one event per line, .gz allowed) through the same
    validation as HTTP ingest. Valid events land in Bronze, the rest in the DLQ.
    Prints `accepted=N rejected=M`."""
    from lakehouse.ingest.loader import load_files

    total = sum(p.stat().st_size for p in paths if p.is_file())
    with _progress(DownloadColumn(), TransferSpeedColumn()) as progress:
        task = progress.add_task("loading", total=total)
        result = load_files(settings, list(paths), on_progress=lambda n: progress.advance(task, n))
    rate = (result.accepted + result.rejected) / result.seconds if result.seconds else 0.0
    if result.by_reason:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(result.by_reason.items()))
        console.print(f"rejected by reason: {reasons}")
    console.print(f"{rate:,.0f} events/s; Bronze at {settings.bronze_dir}")
    if result.pushed:
        console.print(
            f"pushed {len(result.pushed)} sealed Bronze file(s) to {settings.storage_root}/bronze"
        )
    click.echo(f"accepted={result.accepted} rejected={result.rejected}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (each with its own Bronze log).",
)
@click.option(
    "--bench-bare", is_flag=True, hidden=True, help="Also serve POST /_bare (benchmark floor)."
)
@click.pass_obj
def serve(settings: Settings, host: str, port: int, workers: int, bench_bare: bool) -> None:
    """Serve POST /e and GET /healthz. A 2xx means the events are fsync-ed to Bronze/DLQ."""
    import uvicorn

    from lakehouse.ingest.logfile import recover

    s = settings.ensure()
    recovered = recover(s.bronze_dir) + recover(s.dlq_dir)
    if recovered:
        console.print(f"recovered {len(recovered)} unsealed log file(s) left by a previous run")
    os.environ["LAKEHOUSE_HOME"] = str(s.home)  # workers rebuild settings from the environment
    if bench_bare:
        os.environ["LAKEHOUSE_BENCH_BARE"] = "1"
    config = uvicorn.Config(
        "lakehouse.ingest.app:create_app", factory=True, host=host, port=port, workers=workers,
        http="httptools", loop="uvloop", lifespan="on", log_level="warning", access_log=False,
    )  # fmt: skip
    from lakehouse.ingest.workers import ReusePortWorkers

    # One worker binds its own socket; several each get one (a busy port fails here).
    run = ReusePortWorkers(config).run if workers > 1 else uvicorn.Server(config).run
    console.print(f"ingest listening on http://{host}:{port}/e (workers={workers}, home={s.home})")
    run()


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--url",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Base URL of a running `lakehouse serve`.",
)
@click.option(
    "--batch",
    default=500,
    show_default=True,
    type=click.IntRange(1, 500),
    help="Events per request.",
)
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Requests in flight.",
)
def send(path: Path, url: str, batch: int, concurrency: int) -> None:
    """Replay an NDJSON file to a running ingest endpoint in batches (as clients would),
    retrying safely, and print accepted and rejected counts by reason."""
    from lakehouse.ingest.client import send_file

    lines = 0
    if path.is_file():
        with open(path, "rb") as fh:
            lines = sum(1 for _ in fh)
    with _progress("{task.completed:,}/{task.total:,} events") as progress:
        task = progress.add_task("sending", total=lines)
        res = send_file(
            path, url, batch, concurrency, on_progress=lambda n: progress.advance(task, n)
        )
    total = res.accepted + sum(res.rejected.values())
    console.print(
        f"{res.requests:,} requests, {total / res.seconds if res.seconds else 0:,.0f} events/s"
    )
    table = Table("outcome", "events")
    table.add_row("accepted", f"{res.accepted:,}")
    for reason, n in sorted(res.rejected.items()):
        table.add_row(f"rejected: {reason}", f"{n:,}")
    Console().print(table)
    click.echo(f"accepted={res.accepted} rejected={sum(res.rejected.values())}")


@click.group()
def schemas() -> None:
    """The event schema registry (schemas/): check, lock, list."""


@schemas.command("check")
def schemas_check() -> None:
    """Validate every schema (Draft 2020-12 + supported subset), run every example, and fail
    on drift: a required field or type changed without a version bump (vs registry.lock.json)."""
    from lakehouse.ingest.examples import run_examples
    from lakehouse.ingest.registry import drift_problems, load_registry

    registry = load_registry()
    problems = drift_problems(registry) + run_examples(registry)
    if problems:
        raise SchemaRegistryError(
            f"{len(problems)} problem(s) in schemas/:\n  " + "\n  ".join(problems)
        )
    click.echo(
        f"schemas ok: envelope + {len(registry.events)} event contracts, examples pass, no drift"
    )


@schemas.command("lock")
@click.option(
    "--force",
    is_flag=True,
    help="Also rewrite frozen versions (only before they were ever published).",
)
def schemas_lock(force: bool) -> None:
    """Record new schema versions in schemas/registry.lock.json (commit the result)."""
    from lakehouse.ingest.registry import load_registry, write_lock

    added = write_lock(load_registry(), allow_changes=force)
    click.echo(f"locked {len(added)} new version(s): {', '.join(added) or '-'}")


@schemas.command("list")
def schemas_list() -> None:
    """List every registered event and version with its required payload fields."""
    from lakehouse.ingest.registry import load_registry

    registry = load_registry()
    table = Table("event", "version", "required payload fields")
    for c in registry.all():
        table.add_row(c.name, str(c.version), ", ".join(c.required))
    Console().print(table)


@click.group()
def dlq() -> None:
    """Dead letters: counts by reason, and replay after a fix."""


@dlq.command("stats")
@click.pass_obj
def dlq_stats(settings: Settings) -> None:
    """Count dead-lettered events by reason (sealed DLQ files)."""
    from lakehouse.ingest.deadletters import dlq_counts

    table = Table("reason", "events")
    counts = dlq_counts(settings)
    for reason, n in sorted(counts.items()):
        table.add_row(reason, str(n))
    Console().print(table)
    click.echo(f"total={sum(counts.values())}")


@dlq.command("replay")
@click.option(
    "--reason", multiple=True, help="Only replay events dead-lettered for this reason (repeatable)."
)
@click.pass_obj
def dlq_replay(settings: Settings, reason: tuple[str, ...]) -> None:
    """Re-validate dead letters (after a schema or producer fix): valid ones go to Bronze,
    the rest are dead-lettered again. Each DLQ file is replayed at most once."""
    from lakehouse.ingest.deadletters import replay

    res = replay(settings, set(reason) or None)
    click.echo(
        f"replayed={res.accepted + res.rejected} accepted={res.accepted} rejected={res.rejected}"
    )
