"""Experiment configs (SPEC EXP-1): `config/experiments/<exp_id>.yaml`, validated on load.

Every error names the file, the field and the fix, so `lakehouse experiments validate`
can print it as-is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from lakehouse.config import EXPERIMENTS_DIR
from lakehouse.errors import ConfigError
from lakehouse.experiments.metrics import METRICS

STATUSES = ("draft", "running", "stopped", "killed")
ENGINES = ("frequentist", "cuped", "bayesian")
AUDIENCES = ("all", "logged_in")
ROLES = ("buyer", "seller", "visitor")
PLATFORMS = ("web", "ios", "android")
DIRECTIONS = ("increase", "decrease")
_ID = re.compile(r"^[a-z0-9_]{1,64}$")
_KEYS = {
    "exp_id", "description", "surface", "variants", "targeting", "primary_metric",
    "secondary_metrics", "guardrails", "status", "start", "end", "analysis",
}  # fmt: skip


@dataclass(frozen=True)
class Guardrail:
    metric: str
    direction: str  # the harmful direction
    threshold: float  # largest tolerated relative change in that direction


@dataclass(frozen=True)
class ExperimentConfig:
    exp_id: str
    surface: str
    variants: tuple[tuple[str, float], ...]  # the first is control
    audience: str
    roles: tuple[str, ...]
    platforms: tuple[str, ...]
    primary_metric: str
    secondary_metrics: tuple[str, ...]
    guardrails: tuple[Guardrail, ...]
    status: str
    start: date
    end: date
    engine: str
    alpha: float
    path: Path
    description: str = ""

    @property
    def control(self) -> str:
        return self.variants[0][0]

    @property
    def weights(self) -> dict[str, float]:
        return dict(self.variants)

    @property
    def metrics(self) -> tuple[str, ...]:
        """Primary, secondaries, then guardrail metrics, each once."""
        names = [self.primary_metric, *self.secondary_metrics, *(g.metric for g in self.guardrails)]
        return tuple(dict.fromkeys(names))


class _Check:
    """Raises ConfigError naming the file and field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(f"{self.path}: `{field}` {problem}; {fix}.")

    def choice(self, field: str, value: Any, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            raise self.fail(field, f"is {value!r}", f"use one of {', '.join(allowed)}")
        return str(value)

    def metric(self, field: str, value: Any) -> str:
        return self.choice(field, value, tuple(METRICS))

    def date(self, field: str, value: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(field, f"is {value!r}", "write a YYYY-MM-DD date") from None

    def number(self, field: str, value: Any, lo: float, hi: float, lo_open: bool = True) -> float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not (lo < value if lo_open else lo <= value) or not value <= hi:
            bound = "(" if lo_open else "["
            raise self.fail(field, f"is {value!r}", f"use a number in {bound}{lo}, {hi}]")
        return float(value)


def parse(raw: Any, path: Path) -> ExperimentConfig:
    """Validate one parsed YAML document; `path` is named in every error."""
    c = _Check(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: is not a mapping of fields; see SPEC EXP-1 for the layout.")
    missing = [
        k
        for k in ("exp_id", "surface", "variants", "primary_metric", "status", "start", "end")
        if k not in raw
    ]
    if missing:
        raise c.fail(missing[0], "is missing", "add it (SPEC EXP-1 lists the required fields)")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise c.fail(
            unknown[0],
            "is not a known field",
            f"remove it or use one of {', '.join(sorted(_KEYS))}",
        )
    exp_id = raw["exp_id"]
    if not isinstance(exp_id, str) or not _ID.match(exp_id):
        raise c.fail("exp_id", f"is {exp_id!r}", "use 1-64 lowercase letters, digits or _")
    if path.suffix in (".yaml", ".yml") and path.stem != exp_id:
        raise c.fail(
            "exp_id",
            f"is {exp_id!r} but the file is {path.name}",
            f"rename the file to {exp_id}.yaml",
        )

    variants_raw = raw["variants"]
    if not isinstance(variants_raw, list) or len(variants_raw) < 2:
        raise c.fail(
            "variants",
            "needs at least two entries",
            "list control first, then each variant, as {name, weight}",
        )
    variants: list[tuple[str, float]] = []
    for i, v in enumerate(variants_raw):
        if not isinstance(v, dict) or not isinstance(v.get("name"), str) or not v["name"]:
            raise c.fail(f"variants[{i}]", "has no name", "give each variant `name` and `weight`")
        weight = c.number(f"variants[{i}].weight", v.get("weight"), 0, float("inf"))
        variants.append((v["name"], weight))
    names = [n for n, _ in variants]
    if len(set(names)) != len(names):
        raise c.fail("variants", f"repeats a name ({names})", "give each variant a distinct name")

    targeting = raw.get("targeting") or {}
    if not isinstance(targeting, dict):
        raise c.fail("targeting", "is not a mapping", "use {audience, roles, platforms}")
    audience = c.choice("targeting.audience", targeting.get("audience", "all"), AUDIENCES)
    roles = tuple(c.choice("targeting.roles", r, ROLES) for r in targeting.get("roles") or ROLES)
    platforms = tuple(
        c.choice("targeting.platforms", p, PLATFORMS)
        for p in targeting.get("platforms") or PLATFORMS
    )

    secondary = raw.get("secondary_metrics") or []
    if not isinstance(secondary, list):
        raise c.fail("secondary_metrics", "is not a list", "write a YAML list of metric names")
    guardrails = []
    for i, g in enumerate(raw.get("guardrails") or []):
        if not isinstance(g, dict):
            raise c.fail(
                f"guardrails[{i}]", "is not a mapping", "use {metric, direction, threshold}"
            )
        guardrails.append(
            Guardrail(
                metric=c.metric(f"guardrails[{i}].metric", g.get("metric")),
                direction=c.choice(f"guardrails[{i}].direction", g.get("direction"), DIRECTIONS),
                threshold=c.number(
                    f"guardrails[{i}].threshold", g.get("threshold"), 0, 10, lo_open=False
                ),
            )
        )
    start, end = c.date("start", raw["start"]), c.date("end", raw["end"])
    if end < start:
        raise c.fail("end", f"({end}) is before start ({start})", "end on or after start")
    analysis = raw.get("analysis") or {}
    if not isinstance(analysis, dict):
        raise c.fail("analysis", "is not a mapping", "use {engine, alpha}")
    return ExperimentConfig(
        exp_id=exp_id,
        surface=str(raw["surface"]),
        variants=tuple(variants),
        audience=audience,
        roles=roles,
        platforms=platforms,
        primary_metric=c.metric("primary_metric", raw["primary_metric"]),
        secondary_metrics=tuple(
            c.metric(f"secondary_metrics[{i}]", m) for i, m in enumerate(secondary)
        ),
        guardrails=tuple(guardrails),
        status=c.choice("status", raw["status"], STATUSES),
        start=start,
        end=end,
        engine=c.choice("analysis.engine", analysis.get("engine", "frequentist"), ENGINES),
        alpha=c.number("analysis.alpha", analysis.get("alpha", 0.05), 0, 0.5),
        path=path,
        description=str(raw.get("description") or ""),
    )


def load(path: Path) -> ExperimentConfig:
    """One config file, validated."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}); check the path.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: is not valid YAML ({exc}); fix the syntax.") from None
    return parse(raw, path)


def load_all(config_dir: Path = EXPERIMENTS_DIR) -> list[ExperimentConfig]:
    """Every `<exp_id>.yaml` under `config_dir`, sorted by exp_id; raises on the first bad one."""
    if not config_dir.is_dir():
        raise ConfigError(
            f"experiment config folder {config_dir} does not exist; create it or pass another."
        )
    return [load(p) for p in sorted(config_dir.glob("*.yaml"))]
