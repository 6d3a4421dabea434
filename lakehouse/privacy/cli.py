"""CLI commands for privacy: `dsar delete`, `audit verify`, `retention apply`."""

from __future__ import annotations

from datetime import date, datetime

import click

from lakehouse.config import Settings


@click.group()
def dsar() -> None:
    """Data subject requests (PRIV-3): delete a user and every linked id from every layer."""


@dsar.command("delete")
@click.option(
    "--user-id", required=True, help="The user_id to delete (its anon and device ids follow)."
)
@click.option(
    "--dry-run", is_flag=True, help="Resolve the ids and count what would go; change nothing."
)
@click.option(
    "--run-tests",
    is_flag=True,
    help="Also run dbt's data tests in the Gold rebuild (slower; off by default).",
)
@click.pass_obj
def dsar_delete(settings: Settings, user_id: str, dry_run: bool, run_tests: bool) -> None:
    """Delete USER_ID and every anon/device id it used from Bronze, the DLQ, Silver (with old
    snapshots and orphan files), Gold and caches; tombstone the ids so late events stay out;
    append to the audit log; end with a byte scan of every file under the lake root."""
    from lakehouse.privacy.dsar import delete_user

    report = delete_user(settings, user_id, dry_run=dry_run, run_tests=run_tests)
    click.echo("\n".join(report.lines()))


@click.group()
def audit() -> None:
    """The hash-chained privacy audit log (DSAR deletes, retention runs)."""


@audit.command("verify")
@click.pass_obj
def audit_verify(settings: Settings) -> None:
    """Check every link of the audit log's hash chain and its head; exits non-zero naming
    the first edited, reordered or removed entry."""
    from lakehouse.privacy.audit import log_path, verify

    entries = verify(settings)
    last = f", last {entries[-1].action} at {entries[-1].at}" if entries else ""
    click.echo(f"audit log {log_path(settings)} verifies: {len(entries)} entries{last}")


@click.group()
def retention() -> None:
    """Data retention (PRIV-4): raw 25 months, derived 36 months by default."""


@retention.command("apply")
@click.option("--dry-run", is_flag=True, help="List what would be dropped; change nothing.")
@click.option(
    "--raw-months",
    type=click.IntRange(min=1),
    default=None,
    help="Keep Bronze/DLQ this many months (default $LAKEHOUSE_RETENTION_RAW_MONTHS, else 25).",
)
@click.option(
    "--derived-months",
    type=click.IntRange(min=1),
    default=None,
    help="Keep Silver/Gold this many months (default $LAKEHOUSE_RETENTION_DERIVED_MONTHS, else 36).",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Compute cutoffs from this UTC day instead of today (YYYY-MM-DD).",
)
@click.pass_obj
def retention_apply(
    settings: Settings,
    dry_run: bool,
    raw_months: int | None,
    derived_months: int | None,
    today: datetime | None,
) -> None:
    """Drop raw partitions older than the raw period and Silver partitions older than the
    derived period (old snapshots and orphan files too), rebuild Gold, and audit the run."""
    from lakehouse.privacy.retention import RetentionPolicy, apply

    env = RetentionPolicy.from_env()
    policy = RetentionPolicy(raw_months or env.raw_months, derived_months or env.derived_months)
    day: date | None = today.date() if today is not None else None
    report = apply(settings, policy, today=day, dry_run=dry_run)
    click.echo("\n".join(report.lines()))
