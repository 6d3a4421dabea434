"""`retention apply`: drop raw partitions older than 25 months and derived data older
than 36 months (PRIV-4), both configurable, audited.

Raw = Bronze and DLQ files, by their arrival-date partition (`event_dt=` folders are
arrival dates there). Derived = Silver rows by `event_dt` (event date): whole
partitions are deleted, snapshots expired and orphan files removed, so the bytes
really go (see `silverpurge`); the private area's hashes (PRIV-1) of those days go too;
Gold is then rebuilt from what remains.
"""

from __future__ import annotations

import calendar
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from lakehouse.config import Settings
from lakehouse.errors import ConfigError
from lakehouse.ids import new_ulid
from lakehouse.ingest.logfile import MANIFEST, list_sealed
from lakehouse.privacy import audit, goldpurge
from lakehouse.privacy.silverpurge import SilverStats, delete_rows, delete_where, expire_and_clean
from lakehouse.silver import private as private_area
from lakehouse.silver.ledger import refine_lock
from lakehouse.silver.tables import load_events_table

RAW_MONTHS = 25
DERIVED_MONTHS = 36


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (clamped to the month's last day)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _env_months(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(
            f"{name}={raw!r} is not a positive whole number of months; fix or unset it."
        )
    return int(raw)


@dataclass(frozen=True)
class RetentionPolicy:
    raw_months: int = RAW_MONTHS
    derived_months: int = DERIVED_MONTHS

    @classmethod
    def from_env(cls) -> RetentionPolicy:
        return cls(
            _env_months("LAKEHOUSE_RETENTION_RAW_MONTHS", RAW_MONTHS),
            _env_months("LAKEHOUSE_RETENTION_DERIVED_MONTHS", DERIVED_MONTHS),
        )


@dataclass
class RetentionReport:
    request_id: str
    dry_run: bool
    raw_cutoff: date
    derived_cutoff: date
    raw_partitions: list[str] = field(default_factory=list)  # "bronze/event_dt=…" removed
    raw_files: int = 0
    silver_partitions: list[str] = field(default_factory=list)
    silver_rows: int = 0
    silver: SilverStats = field(default_factory=SilverStats)
    gold_rebuilt: bool = False

    def details(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "raw_cutoff": self.raw_cutoff.isoformat(),
            "derived_cutoff": self.derived_cutoff.isoformat(),
            "raw_partitions": self.raw_partitions,
            "raw_files": self.raw_files,
            "silver_partitions": self.silver_partitions,
            "silver_rows": self.silver_rows,
            "silver": asdict(self.silver),
            "gold_rebuilt": self.gold_rebuilt,
        }

    def lines(self) -> list[str]:
        verb = "would drop" if self.dry_run else "dropped"
        out = [
            f"{'dry run ' if self.dry_run else ''}retention {self.request_id}: raw before "
            f"{self.raw_cutoff}, derived before {self.derived_cutoff}",
            f"  raw:    {verb} {self.raw_files} file(s) in {len(self.raw_partitions)} partition(s)"
            + (f": {', '.join(self.raw_partitions)}" if self.raw_partitions else ""),
            f"  silver: {verb} {self.silver_rows} row(s) in {len(self.silver_partitions)} partition(s)"
            + (f": {', '.join(self.silver_partitions)}" if self.silver_partitions else ""),
            f"  private: {verb} {self.silver.private_rows_dropped} e-mail/phone hash row(s)",
        ]
        if not self.dry_run:
            out.append(
                f"  silver: expired {self.silver.snapshots_expired} snapshot(s), deleted "
                f"{self.silver.orphan_files_deleted} orphan file(s); gold "
                + ("rebuilt" if self.gold_rebuilt else "not rebuilt")
            )
        return out


def _drop_raw(settings: Settings, cutoff: date, report: RetentionReport, dry_run: bool) -> None:
    for layer, root in (("bronze", settings.bronze_dir), ("dlq", settings.dlq_dir)):
        parts: set[str] = set()
        for f in list_sealed(root):
            folder = f.rel.split("/", 1)[0]  # event_dt=YYYY-MM-DD (arrival date)
            if date.fromisoformat(folder.removeprefix("event_dt=")) >= cutoff:
                continue
            parts.add(f"{layer}/{folder}")
            report.raw_files += 1
            if not dry_run:
                f.path.unlink()
                (root / MANIFEST / (f.path.name.removesuffix(".ndjson") + ".json")).unlink(
                    missing_ok=True
                )
        for part in sorted(parts):
            report.raw_partitions.append(part)
            path = settings.home / part
            if not dry_run and path.is_dir():
                for sub in sorted(path.rglob("*"), reverse=True):
                    if sub.is_dir() and not any(sub.iterdir()):
                        sub.rmdir()
                if not any(path.iterdir()):
                    path.rmdir()


def apply(
    settings: Settings,
    policy: RetentionPolicy | None = None,
    *,
    today: date | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    """Drop what is older than the policy allows (see module doc)."""
    s = settings.ensure()
    pol = policy or RetentionPolicy.from_env()
    day = today or datetime.now(UTC).date()
    report = RetentionReport(
        "ret_" + new_ulid(),
        dry_run,
        months_before(day, pol.raw_months),
        months_before(day, pol.derived_months),
    )
    with refine_lock(s.state_dir):
        _drop_raw(s, report.raw_cutoff, report, dry_run)
        table = load_events_table(s)
        if table is not None and table.current_snapshot() is not None:
            old = f"event_dt < '{report.derived_cutoff.isoformat()}'"
            report.silver_partitions = sorted(
                {
                    f"event_dt={t.file.partition[0]}" if isinstance(t.file.partition[0], str)
                    else f"event_dt={date.fromordinal(date(1970, 1, 1).toordinal() + t.file.partition[0])}"
                    for t in table.scan(row_filter=old).plan_files()
                }
            )  # fmt: skip
            report.silver_rows = delete_where(table, old, report.request_id, dry_run)
            if not dry_run and report.silver_rows:
                expire_and_clean(table, report.silver)
        private = private_area.load_table(s)
        if private is not None:  # PRIV-1 hashes age out with the events they came from
            old = f"event_dt < '{report.derived_cutoff.isoformat()}'"
            report.silver.private_rows_dropped = delete_rows(
                private, old, report.request_id, dry_run
            )
            if not dry_run and report.silver.private_rows_dropped:
                expire_and_clean(private, report.silver)
        if not dry_run and report.silver_rows:
            report.gold_rebuilt = goldpurge.rebuild(s)
    if not dry_run:
        audit.append(s, "retention.apply", report.details())
    return report
