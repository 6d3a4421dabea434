"""`lakehouse health`: the latest run of each stage and every open alarm, as one verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lakehouse.config import Settings
from lakehouse.observability.alerts import Alert, gold_has_alerts_table, open_alerts
from lakehouse.observability.runlog import STAGES, read_runs


@dataclass
class Health:
    """Latest run per stage (None: never ran), open alerts, and whether Gold has ops_alerts."""

    latest_runs: dict[str, dict[str, Any] | None]
    alerts: list[Alert] = field(default_factory=list)
    gold_ready: bool = False

    @property
    def failed_stages(self) -> list[str]:
        return [s for s, r in self.latest_runs.items() if r is not None and r["status"] != "ok"]

    @property
    def healthy(self) -> bool:
        """No open alarm, no stage whose last run failed, and Gold built with ops models."""
        return self.gold_ready and not self.alerts and not self.failed_stages


def check_health(settings: Settings) -> Health:
    latest: dict[str, dict[str, Any] | None] = dict.fromkeys(STAGES)
    for run in read_runs(settings):  # oldest first, so the last one wins
        if run.get("stage") in latest:
            latest[run["stage"]] = run
    ready = gold_has_alerts_table(settings)
    return Health(latest, open_alerts(settings) if ready else [], ready)
