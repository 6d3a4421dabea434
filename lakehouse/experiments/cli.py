"""CLI: `lakehouse analyze` (Gold → fact_experiment_result) and `lakehouse experiments …`.

Command names, flags and JSON keys are a stable contract; other tools call them exactly so.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import orjson

from lakehouse.config import EXPERIMENTS_DIR, Settings
from lakehouse.errors import ConfigError, InputFileError

_FORMAT = click.Choice(["json", "text"])


def _json(obj: Any) -> str:
    def default(o: Any) -> Any:
        raise TypeError(f"cannot serialise {type(o).__name__}")

    # NaN/inf become null: JSON has no spelling for them
    def clean(o: Any) -> Any:
        if isinstance(o, float) and not math.isfinite(o):
            return None
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [clean(v) for v in o]
        return o

    return orjson.dumps(clean(obj), default=default, option=orjson.OPT_INDENT_2).decode()


def _weights(raw: str | None) -> dict[str, float] | None:
    if raw is None:
        return None
    out: dict[str, float] = {}
    for part in raw.split(","):
        name, sep, value = part.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if not sep or not name.strip() or weight <= 0:
            raise ConfigError(
                f"--weights {raw!r}: {part!r} is not name=positive-number; write e.g. "
                "control=0.5,treatment=0.5."
            )
        out[name.strip()] = weight
    return out


def _as_of(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        raise ConfigError(
            f"--as-of {raw!r} is not an ISO timestamp; write e.g. 2026-10-15T00:00:00 (UTC)."
        ) from None
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


@click.group()
def experiments() -> None:
    """Experiment configs, per-user file analysis and sample sizes (SPEC EXP)."""


@experiments.command()
@click.option(
    "--dir",
    "config_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=EXPERIMENTS_DIR,
    show_default=True,
    help="Folder of <exp_id>.yaml experiment configs to check.",
)
def validate(config_dir: Path) -> None:
    """Check every experiment config; prints one line per experiment or the first error
    (file, field and fix) and exits non-zero."""
    from lakehouse.experiments.config import load_all

    configs = load_all(config_dir)
    for cfg in configs:
        split = "/".join(f"{n}:{w:g}" for n, w in cfg.variants)
        click.echo(f"ok  {cfg.exp_id:<24} {cfg.status:<8} {split:<28} primary={cfg.primary_metric}")
    click.echo(f"{len(configs)} experiment config(s) valid in {config_dir}")


@experiments.command("analyze-file")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--control", required=True, help="Name of the control variant in the file's variant column."
)
@click.option(
    "--weights",
    default=None,
    metavar="NAME=W,…",
    help="Design weights for the SRM test, e.g. control=0.5,treatment=0.5 (default: equal).",
)
@click.option(
    "--as-of",
    default=None,
    metavar="TS",
    help="Only users with assigned_at before this ISO timestamp (UTC), to replay a past look.",
)
@click.option(
    "--mde",
    type=float,
    default=0.10,
    show_default=True,
    help="Relative minimum detectable effect: sizes days_to_decision and the sequential prior.",
)
@click.option(
    "--alpha", type=float, default=0.05, show_default=True, help="Two-sided significance level."
)
@click.option(
    "--format",
    "fmt",
    type=_FORMAT,
    default="json",
    show_default=True,
    help="json (for programs) or text.",
)
def analyze_file(
    path: Path,
    control: str,
    weights: str | None,
    as_of: str | None,
    mde: float,
    alpha: float,
    fmt: str,
) -> None:
    """Analyze a per-user CSV (user_id, variant, pre_metric, metric, converted, assigned_at;
    .csv or .csv.gz): SRM, Welch, delta-method and sequential lift CIs, CUPED on metric,
    beta-binomial on converted, Holm across arms and metrics, days to decision."""
    from lakehouse.experiments.analysis import file_report
    from lakehouse.experiments.userfile import read_user_file

    design = _weights(weights)
    data = read_user_file(path, _as_of(as_of))
    if control not in data.arms:
        raise InputFileError(
            f"{path}: control variant {control!r} has no rows (variants: "
            f"{', '.join(sorted(data.arms)) or 'none'}); pass --control with one of them."
        )
    if design is None:
        design = dict.fromkeys(data.arms, 1.0)
    extra = sorted(set(data.arms) - set(design))
    if extra:
        raise ConfigError(
            f"{path}: variant(s) {', '.join(extra)} are not in --weights; add them to --weights."
        )
    empty = {"conversion": _empty(), "metric": _empty()}
    arms = {v: data.arms.get(v, empty) for v in design}
    report = file_report(arms, control, design, data.days_running, mde=mde, alpha=alpha)
    if fmt == "json":
        click.echo(_json(report))
        return
    srm = report["srm"]
    click.echo(
        f"SRM p={srm['p_value']} max deviation {srm['max_deviation_pp']} pp counts {srm['counts']}"
    )
    for variant, blocks in report["comparisons"].items():
        for name, b in blocks.items():
            click.echo(
                f"{variant}.{name}: lift {b['rel_lift']} CI {b['rel_lift_ci']} p={b['p_value']} "
                f"holm={report['holm'][f'{variant}.{name}']}"
            )
    click.echo(f"days to decision: {report['days_to_decision']}")


def _empty() -> Any:
    from lakehouse.experiments.stats import Moments

    return Moments(0, 0.0, 0.0)


@experiments.command()
@click.option("--baseline", type=float, required=True, help="Control conversion rate, e.g. 0.10.")
@click.option(
    "--mde", type=float, required=True, help="Relative lift to detect, e.g. 0.10 for +10%."
)
@click.option(
    "--alpha", type=float, default=0.05, show_default=True, help="Two-sided significance level."
)
@click.option(
    "--power", type=float, default=0.8, show_default=True, help="Probability of detecting the MDE."
)
@click.option(
    "--format",
    "fmt",
    type=_FORMAT,
    default="json",
    show_default=True,
    help="json (for programs) or text.",
)
def size(baseline: float, mde: float, alpha: float, power: float, fmt: str) -> None:
    """Users per arm to detect a relative lift on a conversion rate (two-proportion normal
    approximation, two-sided): the launch gate."""
    from lakehouse.experiments.stats import sample_size_proportions

    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ConfigError(
            f"--alpha {alpha} / --power {power} must lie in (0, 1); e.g. 0.05 and 0.8."
        )
    try:
        n = sample_size_proportions(baseline, mde, alpha, power)
    except ValueError as exc:
        raise ConfigError(f"--baseline/--mde: {exc}") from None
    click.echo(_json({"n_per_arm": n}) if fmt == "json" else f"{n} users per arm")


@click.command()
@click.option(
    "--mde",
    type=float,
    default=0.10,
    show_default=True,
    help="Relative minimum detectable effect for days to decision and the sequential prior.",
)
@click.option(
    "--dir",
    "config_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=EXPERIMENTS_DIR,
    show_default=True,
    help="Folder of <exp_id>.yaml experiment configs to analyze.",
)
@click.pass_obj
def analyze(settings: Settings, mde: float, config_dir: Path) -> None:
    """Analyze every configured experiment over Gold (fact_experiments) and write
    fact_experiment_result into Gold (EXP-5); prints one line per experiment."""
    from lakehouse.experiments.pipeline import analyze as run_analyze

    result = run_analyze(settings, config_dir=config_dir, mde=mde)
    for exp_id, decision in result.decisions.items():
        click.echo(f"{exp_id:<24} {decision}")
    click.echo(
        f"fact_experiment_result: {result.rows} rows in {result.sql_seconds + result.python_seconds:.2f}s "
        f"(SQL {result.sql_seconds:.2f}s, statistics {result.python_seconds:.2f}s)"
    )
