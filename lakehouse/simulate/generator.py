"""`generate()`: one seeded run → an NDJSON file of events plus its truth file."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import orjson
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lakehouse.config import EXPERIMENTS_DIR, SEEDS_DIR
from lakehouse.errors import ConfigError
from lakehouse.simulate.actors import CONSENT_NO_MARKETING, Actor
from lakehouse.simulate.clock import Clock
from lakehouse.simulate.defects import emit_rejects, plan_rejects
from lakehouse.simulate.emitter import FUNNEL, P_DUPLICATE, Emitter
from lakehouse.simulate.exposure import ExperimentRunner, load_experiments
from lakehouse.simulate.faults import apply_faults, check_kinds
from lakehouse.simulate.ids import rid
from lakehouse.simulate.orders import Ledger
from lakehouse.simulate.population import BOT_KINDS, bot, buyer, seller, visitor
from lakehouse.simulate.scenarios import SCENARIOS, scenario_buyer
from lakehouse.simulate.sim import Sim
from lakehouse.simulate.truth import Truth, truth_path
from lakehouse.simulate.world import World, load_world
from lakehouse.simulate.writer import DeliveryWriter

DEFAULT_START = date(2026, 10, 1)
DEFAULT_DAYS = 30
MIN_EVENTS = 100
# One scripted attribution buyer per SCENARIO_EVERY valid events; small files plant each
# scenario at least twice, large ones at most ~400 in all (a small share of orders).
SCENARIO_EVERY = 1_000
SCENARIOS_PER_FILE = 400
BOT_EVERY = 4_000  # one click-fraud bot device per this many valid events
P_BUYER = 0.22
P_SELLER = 0.04


def generate(
    events: int,
    seed: int,
    out: Path,
    start: date = DEFAULT_START,
    days: int = DEFAULT_DAYS,
    progress: bool = False,
    seeds_dir: Path = SEEDS_DIR,
    experiments_dir: Path = EXPERIMENTS_DIR,
    faults: Sequence[str] = (),
) -> Truth:
    """Write ≈`events` NDJSON lines to `out` and `<out>.truth.json`; same args → same bytes.

    `faults` (see `simulate/faults.py`) rewrite the finished file and are recorded under
    `faults` in the truth file; the rest of the truth describes the clean simulation.
    """
    if events < MIN_EVENTS:
        raise ConfigError(
            f"--events {events} is too small; ask for at least {MIN_EVENTS} so every planted case fits."
        )
    if days < 1:
        raise ConfigError(f"--days {days} must be at least 1.")
    check_kinds(faults, days)
    out = Path(out)
    if out.is_dir():
        raise ConfigError(
            f"--out {out} is a folder; give a file path such as {out / 'events.ndjson'}."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    clock = Clock(start, days)
    world = load_world(seeds_dir)
    writer = DeliveryWriter(out, clock.t0, days)
    try:
        sim = _new_sim(rng, clock, world, writer, experiments_dir)
        rejects = plan_rejects(events)
        target = (events - sum(rejects.values())) / (1 + P_DUPLICATE)
        with _progress(progress, int(target), days) as (progressed, advance_day):
            _populate(sim, target, progressed)
            emit_rejects(sim, rejects)
            lines = writer.finish(advance_day)
    except BaseException:
        writer.abort()
        raise
    truth = _truth(sim, seed, events, start, days, lines, rejects)
    truth.write(truth_path(out))
    if faults:
        data = orjson.loads(truth.to_json())
        end = datetime.combine(start + timedelta(days=days), time(), UTC)
        data["faults"] = apply_faults(out, faults, seed, end)
        truth_path(out).write_bytes(
            orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        )
    return truth


def _new_sim(
    rng: random.Random, clock: Clock, world: World, writer: DeliveryWriter, experiments_dir: Path
) -> Sim:
    experiments = ExperimentRunner(rng, load_experiments(clock, experiments_dir))
    owners: dict[str, Actor] = {}
    profiles = {}
    for city in world.cities:
        for p in world.profiles_by_city[city.city_id]:
            profiles[p.profile_id] = p
            owners[p.profile_id] = Actor(
                "seller", rid("usr_", rng), city, [], consent=CONSENT_NO_MARKETING, own_profile=p
            )
    pool = sorted(profiles)
    rng.shuffle(pool)
    return Sim(
        rng=rng,
        clock=clock,
        world=world,
        out=Emitter(rng, clock, writer),
        experiments=experiments,
        ledger=Ledger(clock.days),
        owners=owners,
        profiles=profiles,
        take_rate={c.city_id: c.take_rate for c in world.cities},
        city_weights=[c.weight for c in world.cities],
        seller_pool=pool,
    )


def _populate(sim: Sim, target: float, progressed: Callable[[int], None]) -> None:
    """Add actors until the valid-event target is reached, planting scripted ones on a cadence."""
    tally = sim.out.tally
    rng = sim.rng
    scenarios = list(SCENARIOS)
    n = int(target)
    every = max(n // SCENARIOS_PER_FILE, min(SCENARIO_EVERY, n // (2 * len(scenarios))), 1)
    next_scenario, n_scenario = every // 2, 0
    next_bot, n_bot = BOT_EVERY // 4, 0
    while tally.valid < target:
        if tally.valid >= next_scenario:
            next_scenario += every
            # Try each scenario in turn until one fits the window.
            for _ in range(len(scenarios)):
                name = scenarios[n_scenario % len(scenarios)]
                n_scenario += 1
                if scenario_buyer(sim, name):
                    break
        elif tally.valid >= next_bot:
            next_bot += BOT_EVERY
            bot(sim, BOT_KINDS[n_bot % len(BOT_KINDS)])
            n_bot += 1
        else:
            r = rng.random()
            if r < P_BUYER:
                buyer(sim)
            elif r < P_BUYER + P_SELLER:
                seller(sim)
            else:
                visitor(sim)
        progressed(tally.valid)


@contextmanager
def _progress(
    enabled: bool, target: int, days: int
) -> Iterator[tuple[Callable[[int], None], Callable[[], None]]]:
    if not enabled:
        yield (lambda _n: None), (lambda: None)
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        sim_task = bar.add_task("simulating events", total=target)
        write_task = bar.add_task("writing days", total=days)
        yield (
            (lambda n: bar.update(sim_task, completed=min(n, target))),
            (lambda: bar.advance(write_task, 1)),
        )


def _by_day(clock: Clock, values: list[int]) -> dict[str, int]:
    return {clock.day_names[i]: v for i, v in enumerate(values)}


def _truth(
    sim: Sim, seed: int, events: int, start: date, days: int, lines: int, rejects: dict[str, int]
) -> Truth:
    t, ledger, clock = sim.out.tally, sim.ledger, sim.clock
    return Truth(
        seed=seed,
        events_requested=events,
        start=start.isoformat(),
        days=days,
        lines_written=lines,
        valid_events=t.valid,
        valid_deliveries=t.deliveries,
        duplicate_deliveries=t.duplicates,
        rejected_lines=sum(rejects.values()),
        rejected_by_reason=dict(rejects),
        events_by_name=dict(sorted(t.by_name.items())),
        events_by_day=_by_day(clock, t.by_day),
        offset_timestamp_events=t.offset_ts,
        late_events=t.late,
        late_events_by_day={d: n for d, n in _by_day(clock, t.late_by_day).items() if n},
        unknown_field_events=t.unknown_fields,
        users=len(t.user_ids),
        buyers=sim.buyers,
        sellers=sim.sellers,
        anon_only_visitors=sim.anon_only,
        multi_device_users=sim.multi_device_users,
        consent_off_users=sim.consent_off_users,
        sessions_planted=t.sessions,
        funnel_sessions=dict(zip(FUNNEL, t.funnel, strict=True)),
        identified={
            "users": len(t.identified_user_ids),
            "anon_only_visitors": len(t.identified_anon_ids - t.linked_anon_ids),
            "multi_device_users": [
                u for u in sim.multi_device_users if u not in set(sim.consent_off_users)
            ],
            "sessions": t.identified_sessions,
            "funnel_sessions": dict(zip(FUNNEL, t.identified_funnel, strict=True)),
        },
        orders=ledger.orders,
        gmv_cents=ledger.gmv_cents,
        gmv_cents_by_day=_by_day(clock, ledger.gmv_by_day),
        orders_by_day=_by_day(clock, ledger.orders_by_day),
        refunds=ledger.refunds,
        refunded_cents=ledger.refunded_cents,
        disputes_opened=ledger.disputes_opened,
        disputes_lost=ledger.disputes_lost,
        payouts=ledger.payouts,
        payout_cents=ledger.payout_cents,
        orders_by_channel=dict(sorted(ledger.orders_by_channel.items())),
        order_channel=ledger.order_channel,
        attribution_scenarios=ledger.scenarios,
        fraud_bursts=ledger.fraud_bursts,
        fraud_invalid_touches=ledger.fraud_invalid_touches,
        referrals={
            "signups": ledger.referral_signups,
            "qualified": ledger.referral_qualified,
            "clawbacks": ledger.referral_clawbacks,
        },
        experiments={e.exp_id: e.truth() for e in sim.experiments.experiments},
    )
