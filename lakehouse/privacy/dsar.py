"""`dsar delete`: remove a user and every linked anon/device id from every layer (PRIV-3).

Order, under the refine lock (no refine interleaves):

1. resolve the linked ids (`linked.resolve`), and from Bronze the event_ids of their
   consent-off events, which Silver holds without ids (PRIV-2);
2. tombstone their salted hashes first, so an event arriving meanwhile is dropped by
   the next refine;
3. Bronze and the DLQ: privileged rewrite of the files that hold an id (`rawfiles`);
4. Silver: rewrite, expire snapshots, delete orphan files (`silverpurge`); the same for
   the identities' rows of the private area `private.pii_hashes` (by their id hashes);
5. Gold: full-refresh rebuild into a fresh DuckDB file; caches deleted (`goldpurge`);
6. the verification scan of every file under the lake root (`scan`);
7. one audit entry with the counts, the scan result and the id hashes.

A dry run resolves and counts, and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from lakehouse.config import Settings
from lakehouse.errors import ConfigError, InvalidArgumentError, PrivacyError
from lakehouse.ids import new_ulid
from lakehouse.privacy import audit, goldpurge, tombstones
from lakehouse.privacy.idhash import id_hashes, salt
from lakehouse.privacy.linked import DENY_LIST, LinkedIds, resolve
from lakehouse.privacy.rawfiles import RewriteStats, purge_log
from lakehouse.privacy.scan import ScanResult, scan
from lakehouse.privacy.silverpurge import (
    SilverStats,
    expire_and_clean,
    purge_private,
    rewrite_without,
)
from lakehouse.silver import private as private_area
from lakehouse.silver.catalog import load_catalog
from lakehouse.silver.ledger import Ledger, refine_lock
from lakehouse.silver.refine import recover
from lakehouse.silver.tables import EVENTS, load_events_table


@dataclass
class DsarReport:
    request_id: str
    dry_run: bool
    linked: LinkedIds
    bronze: RewriteStats = field(default_factory=RewriteStats)
    dlq: RewriteStats = field(default_factory=RewriteStats)
    silver: SilverStats = field(default_factory=SilverStats)
    gold_rebuilt: bool = False
    caches_removed: list[str] = field(default_factory=list)
    history_lines_dropped: int = 0  # shell history lines that named an id
    scan: ScanResult = field(default_factory=ScanResult)
    seconds: dict[str, float] = field(default_factory=dict)

    def audit_details(self, hashes: list[str]) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "id_hashes": hashes,
            "ids": {
                "anon": len(self.linked.anon_ids),
                "device": len(self.linked.device_ids),
                "shared_kept": self.linked.shared_kept,
                "consent_off_events": len(self.linked.stripped_event_ids),
            },
            "bronze": asdict(self.bronze),
            "dlq": asdict(self.dlq),
            "silver": asdict(self.silver),
            "gold_rebuilt": self.gold_rebuilt,
            "history_lines_dropped": self.history_lines_dropped,
            "scan": {
                "files": self.scan.files,
                "bytes": self.scan.bytes,
                "hits": len(self.scan.hits),
            },
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }

    def lines(self) -> list[str]:
        b, d, s, ln = self.bronze, self.dlq, self.silver, self.linked
        verb = "would remove" if self.dry_run else "removed"
        out = [
            f"{'dry run ' if self.dry_run else ''}DSAR {self.request_id}: user + "
            f"{len(ln.anon_ids)} anon id(s) + {len(ln.device_ids)} device id(s)"
            + (
                f" ({ln.shared_kept} shared id(s) kept: another user uses them)"
                if ln.shared_kept
                else ""
            )
            + (
                f"; {len(ln.stripped_event_ids)} consent-off event(s) stored without ids"
                if ln.stripped_event_ids
                else ""
            ),
            f"  bronze: {verb} {b.lines_dropped} line(s), scrubbed {b.lines_scrubbed} mention(s) "
            f"in {b.files_rewritten + b.files_removed} of {b.files_scanned} file(s)",
            f"  dlq:    {verb} {d.lines_dropped} line(s) in {d.files_rewritten + d.files_removed} "
            f"of {d.files_scanned} file(s)",
            f"  silver: {verb} {s.rows_dropped} row(s), scrubbed {s.rows_scrubbed} mention(s) in "
            f"{s.files_rewritten} file(s)",
            f"  private: {verb} {s.private_rows_dropped} e-mail/phone hash row(s)",
        ]
        if not self.dry_run:
            out += [
                f"  silver: expired {s.snapshots_expired} snapshot(s), deleted {s.orphan_files_deleted} orphan file(s)",
                f"  gold:   {'rebuilt (full refresh) into a fresh file' if self.gold_rebuilt else 'not built yet: nothing to rebuild'}",
                f"  caches: removed {len(self.caches_removed)}, "
                f"{self.history_lines_dropped} shell history line(s) naming an id",
                f"  verify: scanned {self.scan.files} file(s), {self.scan.bytes:,} bytes: "
                + (
                    "0 occurrences"
                    if self.scan.clean
                    else f"{len(self.scan.hits)} file(s) still hold an id"
                ),
            ]
        timing = ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items())
        out.append(f"  time:   {timing}")
        return out


def _check(user_id: str) -> None:
    if user_id.strip().lower() in DENY_LIST or user_id != user_id.strip():
        raise InvalidArgumentError(
            f"--user-id {user_id!r} is a placeholder or padded id that identifies nobody (ID-2); "
            "pass the user's real user_id."
        )


def delete_user(
    settings: Settings, user_id: str, *, dry_run: bool = False, run_tests: bool = False
) -> DsarReport:
    """Delete `user_id` and its linked ids everywhere under the lake root (see module doc)."""
    _check(user_id)
    if settings.storage_root:  # refuse before any tombstone or rewrite: nothing half-done
        raise ConfigError(
            f"DSAR delete does not support a lake on S3 yet (LAKEHOUSE_STORAGE_ROOT="
            f"{settings.storage_root}): its Bronze objects are Object-Locked and its Silver "
            "files are S3 objects, which this command cannot rewrite; erase there with a "
            "governance-bypass role and an Iceberg rewrite, or run it on a local lake."
        )
    s = settings.ensure()
    report = DsarReport("dsar_" + new_ulid(), dry_run, LinkedIds(user_id))
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        report.seconds[name] = now - clock
        clock = now

    with refine_lock(s.state_dir):
        report.linked = resolve(s, user_id)
        ids = report.linked.all
        lap("resolve")
        hashes: list[str] = []
        if not dry_run:  # a dry run writes nothing, not even the salt
            hashes = id_hashes(salt(s), ids)
            at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            tombstones.add(s, report.request_id, at, hashes)
        try:
            _purge(s, report, ids, dry_run, run_tests, lap)
        except Exception as exc:
            if not dry_run:  # the tombstone is written: record that the request is unfinished
                audit.append(s, "dsar.delete.failed", {
                    "request_id": report.request_id, "id_hashes": hashes,
                    "error": type(exc).__name__, "steps_done": list(report.seconds),
                })  # fmt: skip
            raise
        if dry_run:
            return report
    entry = audit.append(s, "dsar.delete", report.audit_details(hashes))
    if not report.scan.clean:
        raise PrivacyError(
            f"DSAR {report.request_id} (audit entry {entry.seq}) left ids in "
            f"{len(report.scan.hits)} file(s): {'; '.join(report.scan.hits[:5])}; stop the writer "
            "holding them (e.g. `lakehouse serve`) and run the same `dsar delete` again."
        )
    return report


def _purge(
    s: Settings,
    report: DsarReport,
    ids: list[str],
    dry_run: bool,
    run_tests: bool,
    lap: Callable[[str], None],
) -> None:
    """Steps 3–6 of the module doc (a dry run only counts 3 and 4)."""
    report.bronze = purge_log(
        s.bronze_dir, ids, report.request_id, drop_mentions=False, dry_run=dry_run
    )
    report.dlq = purge_log(s.dlq_dir, ids, report.request_id, drop_mentions=True, dry_run=dry_run)
    lap("bronze+dlq")
    table = load_events_table(s)
    if table is not None:
        if not dry_run:
            ledger = Ledger(s.state_dir)
            try:
                recover(ledger, table)  # settle a crashed refine before rewriting files
            finally:
                ledger.close()
            table = load_catalog(s).load_table(EVENTS)
        rewrite_without(
            table, ids, report.request_id, dry_run, report.silver,
            report.linked.stripped_event_ids,
        )  # fmt: skip
        if not dry_run:
            expire_and_clean(table, report.silver)
    private = private_area.load_table(s)
    if private is not None:  # it exists, so the salt does: a dry run reads, never creates it
        hashes = id_hashes(salt(s), ids)
        purge_private(private, hashes, report.request_id, dry_run, report.silver)
    lap("silver")
    if dry_run:
        return
    report.gold_rebuilt = goldpurge.rebuild(s, run_tests=run_tests)
    report.caches_removed = goldpurge.clear_caches(s)
    report.history_lines_dropped = goldpurge.scrub_typed(s, ids)
    lap("gold")
    report.scan = scan(s.home, ids)
    lap("verify")
