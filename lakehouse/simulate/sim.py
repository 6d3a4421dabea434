"""The shared context of one generation run, handed to every behaviour function."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from lakehouse.simulate.actors import Actor
from lakehouse.simulate.clock import Clock
from lakehouse.simulate.emitter import Emitter
from lakehouse.simulate.exposure import ExperimentRunner
from lakehouse.simulate.orders import Ledger
from lakehouse.simulate.world import City, Profile, World


@dataclass
class Sim:
    rng: random.Random
    clock: Clock
    world: World
    out: Emitter
    experiments: ExperimentRunner
    ledger: Ledger
    owners: dict[str, Actor]  # profile_id → the seller who runs it (payout recipient)
    profiles: dict[str, Profile]
    take_rate: dict[str, float]  # city_id → marketplace take
    city_weights: list[int]
    referrers: list[tuple[str, str]] = field(default_factory=list)  # (user_id, referral code)
    seller_pool: list[str] = field(
        default_factory=list
    )  # profile_ids not yet run by an active seller
    buyers: int = 0
    sellers: int = 0
    multi_device_users: list[str] = field(default_factory=list)
    consent_off_users: list[str] = field(default_factory=list)
    anon_only: int = 0

    def pick_city(self) -> City:
        return self.rng.choices(self.world.cities, weights=self.city_weights)[0]
