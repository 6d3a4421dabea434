"""`lakehouse analyze`: Gold `fact_experiments` → per-variant Moments (SQL) → statistics
(Python) → `fact_experiment_result` in Gold (EXP-5), written through the build's swap."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from lakehouse.config import EXPERIMENTS_DIR, Settings
from lakehouse.errors import LakeEmptyError, PipelineError
from lakehouse.experiments.analysis import DEFAULT_MDE, RESULT_COLUMNS, result_rows
from lakehouse.experiments.config import ExperimentConfig, load_all
from lakehouse.experiments.metrics import METRICS
from lakehouse.experiments.stats import Moments
from lakehouse.observability.runlog import recorded
from lakehouse.transform.query import gold_database_path
from lakehouse.transform.runner import gold_write

TABLE = "fact_experiment_result"
_TYPES: dict[str, str] = {
    "exp_id": "varchar", "metric": "varchar", "metric_role": "varchar", "variant": "varchar",
    "is_control": "boolean", "n": "bigint", "mean": "double",
    **dict.fromkeys(RESULT_COLUMNS, "double"), "status": "varchar",
    "guardrail_status": "varchar", "srm_p_value": "double", "srm_max_deviation_pp": "double",
    "srm_alert_chisq": "boolean", "srm_alert_pp": "boolean", "decision": "varchar",
    "n_needed_per_arm": "bigint", "days_to_decision": "double", "computed_at": "timestamp",
}  # fmt: skip


@dataclass
class AnalyzeResult:
    rows: int = 0
    sql_seconds: float = 0.0
    python_seconds: float = 0.0
    decisions: dict[str, str] = field(default_factory=dict)


def sufficient_statistics(
    con: duckdb.DuckDBPyConnection, metrics: list[str]
) -> tuple[dict[str, dict[str, dict[str, Moments]]], dict[str, float]]:
    """exp_id → metric → variant → Moments, and exp_id → days between first and last
    exposure, in one scan of fact_experiments."""
    aggs = []
    for name in metrics:
        y, x = METRICS[name].column, METRICS[name].pre_column
        aggs += [
            f"sum({y})::double", f"sum({y} * {y})::double", f"sum({x})::double",
            f"sum({x} * {x})::double", f"sum({x} * {y})::double",
        ]  # fmt: skip
    sql = f"""
        select exp_id, variant, count(*),
               epoch(max(first_exposed_at)) - epoch(min(first_exposed_at)), {", ".join(aggs)}
        from fact_experiments group by exp_id, variant
    """
    out: dict[str, dict[str, dict[str, Moments]]] = defaultdict(lambda: defaultdict(dict))
    span: dict[str, float] = defaultdict(float)
    for row in con.execute(sql).fetchall():
        exp_id, variant, n, seconds = row[:4]
        span[exp_id] = max(span[exp_id], float(seconds or 0) / 86400)
        for i, name in enumerate(metrics):
            s = row[4 + 5 * i : 9 + 5 * i]
            out[exp_id][name][variant] = Moments(int(n), s[0], s[1], s[2], s[3], s[4])
    return out, span


@recorded("analyze", lambda r: (len(r.decisions), r.rows))  # OBS-1: experiments in, rows out
def analyze(
    settings: Settings,
    config_dir: Path = EXPERIMENTS_DIR,
    mde: float = DEFAULT_MDE,
    configs: list[ExperimentConfig] | None = None,
) -> AnalyzeResult:
    """Analyze every configured experiment and replace fact_experiment_result in Gold."""
    configs = load_all(config_dir) if configs is None else configs
    if not gold_database_path(settings).is_file():
        raise LakeEmptyError(
            f"Gold does not exist yet at {gold_database_path(settings)}; run `lakehouse build` first."
        )
    metrics = sorted({m for cfg in configs for m in cfg.metrics})
    result = AnalyzeResult()
    with gold_write(settings) as path:
        con = duckdb.connect(str(path))
        try:
            t = time.perf_counter()
            try:
                moments, span = sufficient_statistics(con, metrics)
            except duckdb.CatalogException:
                raise PipelineError(
                    f"Gold at {gold_database_path(settings)} has no fact_experiments; run "
                    "`lakehouse build` (it builds models/marts/experiments) first."
                ) from None
            result.sql_seconds = time.perf_counter() - t
            t = time.perf_counter()
            now = datetime.now(UTC).replace(tzinfo=None)
            rows: list[dict[str, Any]] = []
            for cfg in configs:
                exp_rows = result_rows(
                    cfg,
                    {m: moments[cfg.exp_id][m] for m in cfg.metrics},
                    span[cfg.exp_id],
                    now,
                    mde,
                )
                result.decisions[cfg.exp_id] = exp_rows[0]["decision"]
                rows += exp_rows
            result.python_seconds = time.perf_counter() - t
            t = time.perf_counter()
            _write(con, rows)
            result.sql_seconds += time.perf_counter() - t
            result.rows = len(rows)
        finally:
            con.close()
    return result


def _write(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    cols = list(_TYPES)
    con.execute("begin")
    con.execute(
        f"create or replace table {TABLE} ({', '.join(f'{c} {t}' for c, t in _TYPES.items())})"
    )
    if rows:
        con.executemany(
            f"insert into {TABLE} values ({', '.join('?' for _ in cols)})",
            [[r.get(c) for c in cols] for r in rows],
        )
    con.execute("commit")
    con.execute("checkpoint")
