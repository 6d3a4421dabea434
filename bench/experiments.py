"""Analyze benchmark (issue: Experiments, EXP-4/5): `lakehouse analyze` over N experiments
× 3 metrics (checkout_conversion, gmv_per_user, refund_rate).

Gold's `fact_experiments` is synthesized in SQL with one row per generated event spread
over the experiments (a deliberate upper bound: real exposures are far fewer than events),
so the stage scales to 10M without a dbt build. Reported separately: the SQL reduction to
per-variant sufficient statistics (plus writing fact_experiment_result through the Gold
swap) and the Python statistics. Target: under 10 s at 10M events with 20 experiments.

Standalone: `python -m bench.experiments --events 10000000 --experiments 20`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import yaml

from bench.common import Context, Row, console, print_table

TARGET = "< 10 s at 10M events, 20 experiments"
EXPERIMENTS = 20


def _configs(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        cfg = {
            "exp_id": f"bench_exp_{i:02d}",
            "surface": "search",
            "variants": [{"name": "control", "weight": 50}, {"name": "treatment", "weight": 50}],
            "primary_metric": "checkout_conversion",
            "secondary_metrics": ["gmv_per_user"],
            "guardrails": [{"metric": "refund_rate", "direction": "increase", "threshold": 0.1}],
            "status": "running",
            "start": "2026-10-01",
            "end": "2026-12-31",
            "analysis": {"engine": "cuped", "alpha": 0.05},
        }
        (folder / f"{cfg['exp_id']}.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    return folder


def _gold(path: Path, events: int, n_exp: int) -> float:
    """fact_experiments with `events` rows over `n_exp` experiments; returns seconds."""
    t = time.perf_counter()
    con = duckdb.connect(str(path))
    con.execute(
        f"""
        create or replace table fact_experiments as
        with u as (
            select i, hash(i) as h, hash(i * 31 + 7) as g from range({events}) t(i)
        )
        select
            'bench_exp_' || lpad((i % {n_exp})::varchar, 2, '0') as exp_id,
            'id-' || i::varchar as identity_id,
            case when h % 2 = 0 then 'control' else 'treatment' end as variant,
            timestamp '2026-10-01' + to_seconds((i % 1209600)::bigint) as first_exposed_at,
            case when g % 1000 < 100 + (h % 2) * 10 then 1 else 0 end as converted,
            case when g % 997 < 90 then 1 else 0 end as pre_converted,
            (case when g % 1000 < 100 + (h % 2) * 10 then (g % 20000) else 0 end)::bigint as gmv_cents,
            (case when g % 997 < 90 then (g % 18000) else 0 end)::bigint as pre_gmv_cents,
            case when g % 991 < 5 then 1 else 0 end as refunded,
            case when g % 983 < 5 then 1 else 0 end as pre_refunded
        from u
        """
    )
    con.close()
    return time.perf_counter() - t


def measure(workdir: Path, events: int, n_exp: int = EXPERIMENTS) -> list[Row]:
    from lakehouse.config import load_settings
    from lakehouse.experiments.pipeline import analyze

    settings = load_settings(workdir / "analyze-lake").ensure()
    setup = _gold(settings.gold_path, events, n_exp)
    configs = _configs(workdir / "analyze-configs", n_exp)
    console.print(
        f"synthesized fact_experiments ({events:,} rows, {n_exp} experiments) in {setup:.1f} s"
    )
    t = time.perf_counter()
    result = analyze(settings, config_dir=configs)
    total = time.perf_counter() - t
    note = f"{n_exp} exp × 3 metrics → {result.rows} result rows"
    return [
        Row("analyze: SQL sufficient statistics + write", events, result.sql_seconds, note=note),
        Row("analyze: Python statistics", events, result.python_seconds, note=note),
        Row(
            "analyze total (lakehouse analyze, incl. Gold swap)",
            events,
            total,
            target=TARGET,
            note=f"decisions: {sorted(set(result.decisions.values()))}",
        ),
    ]


def run(ctx: Context) -> list[Row]:
    return measure(ctx.workdir, ctx.events)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--experiments", type=int, default=EXPERIMENTS)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lakehouse-bench-") as tmp:
        print_table(measure(Path(tmp), args.events, args.experiments), "analyze")
