"""The three planted experiments: read their configs, fire exp.view/exp.convert, keep score.

Configs (EXP-1) describe the design; the planted effects live here because they are facts
about the simulated world, not settings. Variants come from `lakehouse.experiments.assign`
on the stitched identity. To keep every exp.view's variant equal to
`assign(exp_id, identity_id)` after stitching, nothing renders for a device that is not
logged in yet but will be (its identity at render time would differ from the stitched one).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from lakehouse.config import EXPERIMENTS_DIR
from lakehouse.errors import ConfigError
from lakehouse.experiments.assign import assign
from lakehouse.simulate.actors import Actor, Device, Exposure
from lakehouse.simulate.clock import DAY_MS, Clock
from lakehouse.simulate.truth import ExperimentTruth


@dataclass(frozen=True)
class Plant:
    """What the simulator plants in one experiment."""

    relative_lift: float = 0.0  # on P(checkout.complete | checkout.start) for treatment
    srm_drop_rate: float = 0.0  # share of treatment identities whose exposures are lost


PLANTS: dict[str, Plant] = {
    "checkout_cta_copy": Plant(relative_lift=0.10),
    "search_ranking_aa": Plant(),
    "home_feed_layout": Plant(srm_drop_rate=0.08),
}


@dataclass
class Experiment:
    exp_id: str
    surface: str  # profile | search | home: where the first render happens
    variants: list[tuple[str, float]]
    status: str
    audience: str  # logged_in | all
    roles: tuple[str, ...]
    platforms: tuple[str, ...]
    start_ms: int
    end_ms: int  # exclusive (day after `end`)
    primary_metric: str
    plant: Plant
    expected: dict[str, int] = field(default_factory=dict)
    exposed: dict[str, int] = field(default_factory=dict)
    exposure_events: dict[str, int] = field(default_factory=dict)
    conversions: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for counter in (
            self.expected,
            self.exposed,
            self.exposure_events,
            self.conversions,
            self.orders,
        ):
            counter.update({name: 0 for name, _ in self.variants})

    @property
    def control(self) -> str:
        return self.variants[0][0]

    def truth(self) -> ExperimentTruth:
        return ExperimentTruth(
            planted_relative_lift=self.plant.relative_lift,
            srm_planted=self.plant.srm_drop_rate > 0,
            srm_drop_rate=self.plant.srm_drop_rate,
            design_weights={n: float(w) for n, w in self.variants},
            expected_exposures_by_variant=dict(self.expected),
            exposures_by_variant=dict(self.exposed),
            exposure_events_by_variant=dict(self.exposure_events),
            conversions_by_variant=dict(self.conversions),
            orders_after_exposure_by_variant=dict(self.orders),
            surface=self.surface,
            primary_metric=self.primary_metric,
        )


def _as_date(value: Any, path: Path, key: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{path}: `{key}` must be a YYYY-MM-DD date, got {value!r}.") from exc


def load_experiments(clock: Clock, config_dir: Path = EXPERIMENTS_DIR) -> list[Experiment]:
    """The planted experiments, in PLANTS order, with designs read from their YAML files."""
    out = []
    for exp_id, plant in PLANTS.items():
        path = config_dir / f"{exp_id}.yaml"
        if not path.is_file():
            raise ConfigError(
                f"experiment config {path} is missing; the simulator plants {exp_id} from it."
            )
        cfg = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        try:
            variants = [(str(v["name"]), float(v["weight"])) for v in cfg["variants"]]
            targeting = cfg.get("targeting") or {}
            start = _as_date(cfg["start"], path, "start")
            end = _as_date(cfg["end"], path, "end")
            exp = Experiment(
                exp_id=str(cfg["exp_id"]),
                surface=str(cfg["surface"]),
                variants=variants,
                status=str(cfg["status"]),
                audience=str(targeting.get("audience", "all")),
                roles=tuple(targeting.get("roles") or ("buyer", "seller", "visitor")),
                platforms=tuple(targeting.get("platforms") or ("web", "ios", "android")),
                start_ms=clock.t0 + (start - clock.start).days * DAY_MS,
                end_ms=clock.t0 + ((end - clock.start).days + 1) * DAY_MS,
                primary_metric=str(cfg["primary_metric"]),
                plant=plant,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"{path}: malformed experiment config ({exc!r}); see SPEC EXP-1 for the fields."
            ) from exc
        out.append(exp)
    return out


class ExperimentRunner:
    """Decides and records exposures and conversions while sessions are rendered."""

    def __init__(self, rng: random.Random, experiments: list[Experiment]) -> None:
        self.rng = rng
        self.experiments = experiments
        self.by_surface: dict[str, list[Experiment]] = {}
        for exp in experiments:
            self.by_surface.setdefault(exp.surface, []).append(exp)

    def renders(
        self, actor: Actor, device: Device, surface: str, ts: int, seen: set[str]
    ) -> list[tuple[str, str]]:
        """(exp_id, variant) pairs whose exp.view fires now; `seen` is the session's renders."""
        exps = self.by_surface.get(surface)
        if not exps or not actor.in_experiments or actor.consent_off:
            return []
        if actor.user_id is not None and not device.logged_in:
            return []  # identity would change at login; see module docstring
        fired = []
        for exp in exps:
            if (
                exp.exp_id in seen
                or not exp.start_ms <= ts < exp.end_ms
                or exp.status not in ("running", "killed")
            ):
                continue
            if actor.kind not in exp.roles or device.platform not in exp.platforms:
                continue
            if exp.audience == "logged_in" and actor.user_id is None:
                continue
            seen.add(exp.exp_id)
            variant = actor.variants.get(exp.exp_id)
            if variant is None:
                variant = assign(exp.variants, exp.exp_id, actor.identity_id, status=exp.status)
                actor.variants[exp.exp_id] = variant
                exp.expected[variant] += 1
                if variant != exp.control and self.rng.random() < exp.plant.srm_drop_rate:
                    actor.srm_dropped.add(exp.exp_id)
            if exp.exp_id in actor.srm_dropped:
                continue
            if exp.exp_id not in actor.exposures:
                actor.exposures[exp.exp_id] = Exposure(variant, ts)
                exp.exposed[variant] += 1
            exp.exposure_events[variant] += 1
            fired.append((exp.exp_id, variant))
        return fired

    def completion_lift(self, actor: Actor, ts: int) -> float:
        """Multiplier on P(complete | start) from treatments the actor was exposed to before `ts`."""
        m = 1.0
        for exp in self.experiments:
            e = actor.exposures.get(exp.exp_id)
            if (
                e is not None
                and e.first_ts < ts
                and e.variant != exp.control
                and exp.plant.relative_lift
            ):
                m *= 1.0 + exp.plant.relative_lift
        return m

    def converted(self, actor: Actor, ts: int) -> list[tuple[str, str]]:
        """Record a checkout.complete at `ts`; returns (exp_id, metric) for exp.convert events."""
        out = []
        for exp in self.experiments:
            e = actor.exposures.get(exp.exp_id)
            if e is None or e.first_ts >= ts:
                continue
            exp.orders[e.variant] += 1
            if not e.converted:
                e.converted = True
                exp.conversions[e.variant] += 1
            out.append((exp.exp_id, exp.primary_metric))
        return out
