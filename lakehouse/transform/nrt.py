"""`lakehouse refresh --nrt` (LAKE-4): today's ops views in minutes, without a full build.

Three steps, each timed:

1. refine new sealed Bronze into Silver (`lakehouse.silver.refine.refine`, its own lock);
2. freeze the ops source (run log, DLQ, Bronze manifests) as a build does;
3. run only the dbt models tagged `nrt` (`models/marts/nrt/`) and the staging views they
   read, through the build runner: it resolves the new Silver snapshot, holds the build
   lock and swaps Gold in atomically, so dashboards never see a half-refreshed file.

The staging views must be re-created because each names the Silver snapshot it was built
on (`iceberg_scan('<metadata.json>')`); the nrt marts filter on today's `event_dt`, so the
scan reads today's partition only. The rest of Gold (facts, KPIs, the other ops marts) is
left exactly as the last `lakehouse build` wrote it. Tests of the staging views are left to
that build: here they would scan Silver beyond today.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from lakehouse.clock import utcnow
from lakehouse.config import Settings
from lakehouse.errors import ConfigError, LakeEmptyError
from lakehouse.silver.refine import RefineResult, refine
from lakehouse.transform.query import gold_database_path
from lakehouse.transform.runner import BuildResult, NodeResult, build_selected
from lakehouse.transform.silver import silver_metadata_location

# The nrt marts and every model they read (the staging views), but not the staging views'
# own tests, which the next `lakehouse build` runs.
NRT_SELECT = "+tag:nrt,resource_type:model"
NRT_EXCLUDE = "path:models/staging,resource_type:test path:models/staging,resource_type:unit_test"
RUN_STAGE = "refresh"


@dataclass
class NrtResult:
    """What one near-real-time refresh did and how long each step took."""

    day: date
    refine: RefineResult
    refine_seconds: float
    build: BuildResult

    @property
    def seconds(self) -> float:
        return self.refine_seconds + self.build.snapshot_seconds + self.build.seconds

    def models(self) -> list[NodeResult]:
        return [n for n in self.build.nodes if n.resource_type == "model"]


def refresh_nrt(
    settings: Settings,
    *,
    on_step: Callable[[str], None] | None = None,
    on_node: Callable[[NodeResult], None] | None = None,
) -> NrtResult:
    """Refine, then rebuild the `nrt` marts for today (UTC, `LAKEHOUSE_NOW` honoured).

    Raises `LakeEmptyError` before touching anything when there is no Gold yet (the
    refresh adds to a built Gold) and after refining when Silver is still empty;
    `PipelineError` from refine or dbt as `lakehouse build` would.
    """
    say = on_step or (lambda _msg: None)
    if settings.target == "prod":
        raise ConfigError(
            "`lakehouse refresh --nrt` refreshes the local DuckDB Gold; on Athena (target prod) "
            "run `dbt build --target prod --select " + NRT_SELECT + "` from your scheduler, or "
            "use --target dev."
        )
    gold = gold_database_path(settings)
    if not gold.is_file():
        raise LakeEmptyError(
            f"Gold does not exist yet at {gold}: `lakehouse refresh --nrt` only refreshes "
            "today's near-real-time views of a built Gold. Run `lakehouse build` first, "
            "then `lakehouse refresh --nrt` as often as you like."
        )
    day = utcnow().date()
    say(f"refresh --nrt for {day.isoformat()} (UTC) under {settings.home}")

    started = time.perf_counter()
    refined = refine(settings, on_wait=say)
    refine_seconds = time.perf_counter() - started
    say(f"  refine   {refine_seconds:7.2f}s  {refined.summary()}")
    try:
        silver_metadata_location(settings)
    except LakeEmptyError:
        raise LakeEmptyError(
            f"Silver is empty under {settings.home}: there are no events to refresh today's "
            "views from. Land events with `lakehouse load <file.ndjson>` or `lakehouse serve`, "
            "then run `lakehouse refresh --nrt` again."
        ) from None

    say("  dbt: today's views (tag nrt) and the staging views they read, from the new snapshot …")
    built = build_selected(
        settings,
        NRT_SELECT,
        stage=RUN_STAGE,
        exclude=NRT_EXCLUDE,
        on_node=on_node,
        # the day announced above, even if refine ran past midnight
        extra_vars={"lakehouse__nrt_date": day.isoformat()},
    )
    say(f"  snapshot {built.snapshot_seconds:7.2f}s  ops snapshot (run log, DLQ, Bronze manifests)")
    say(
        f"  dbt      {built.seconds:7.2f}s  {built.count('model')} models "
        f"({', '.join(n.name for n in built.nodes if n.resource_type == 'model')}), "
        f"{built.count('test')} data tests passed; Gold swapped in"
    )
    return NrtResult(day=day, refine=refined, refine_seconds=refine_seconds, build=built)
