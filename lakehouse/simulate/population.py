"""Who visits: buyers (some on two devices), sellers, anonymous visitors, click bots.

Each actor is generated start to finish before the next one (its sessions never overlap,
and are ≥30 minutes apart unless a new marketing touch opens the next), then settled:
attribution for its orders and its identity facts go into the ledger.
"""

from __future__ import annotations

from lakehouse.simulate.actors import CONSENT_NO_MARKETING, CONSENT_OFF, Actor, Device
from lakehouse.simulate.attribution import bursts, invalid_touch_ids, winning_touch
from lakehouse.simulate.clock import DAY_MS, HOUR_MS, MIN_MS
from lakehouse.simulate.ids import referral_code, rid
from lakehouse.simulate.sessions import Plan, run_plan
from lakehouse.simulate.sim import Sim

SESSION_GAP_MS = 31 * MIN_MS  # > the 30-minute inactivity split
TAIL_MS = 2 * HOUR_MS  # no session starts this close to the window's end
P_TWO_DEVICES = 0.2
P_CONSENT_OFF = 0.05
P_NO_MARKETING = 0.3
P_NEW_SIGNUP = 0.15
P_REFERRED = 0.4
P_SESSION_TOUCH = 0.28
BURST_LISTED_FROM = 3  # truth lists device bursts of at least this many touches

_USER_SURFACES = ("paid_search", "social", "landing", "alert", "digest", "sharecard")
_USER_SURFACE_W = (25, 15, 15, 15, 10, 8)
_VISITOR_SURFACES = ("landing", "paid_search", "social", "sharecard")
_VISITOR_SURFACE_W = (35, 30, 25, 10)
AFFILIATE_CAMPAIGNS = ("cmp_aff_blogs", "cmp_aff_cashback")


def new_device(sim: Sim, source: str | None = None) -> Device:
    rng = sim.rng
    src = source or ("web" if rng.random() < 0.55 else "app")
    platform = "web" if src == "web" else ("ios" if rng.random() < 0.55 else "android")
    version = f"{rng.randint(3, 4)}.{rng.randrange(12)}.{rng.randrange(6)}"
    return Device(rid("anon_", rng), rid("dev_", rng), src, platform, version)


def run_actor(sim: Sim, actor: Actor, plans: list[Plan]) -> None:
    """Render plans in time order, pushing each past the previous session, then settle."""
    rng = sim.rng
    limit = sim.clock.t1 - TAIL_MS
    for plan in sorted(plans, key=lambda p: p.start):
        start = plan.start
        if actor.last_ts and start < actor.last_ts + SESSION_GAP_MS:
            start = actor.last_ts + SESSION_GAP_MS + rng.randrange(10 * MIN_MS)
        if start >= limit:
            continue
        run_plan(sim, actor, plan, start)
    settle_actor(sim, actor)


def settle_actor(sim: Sim, actor: Actor) -> None:
    """Attribute the actor's orders and record its identity facts."""
    ledger = sim.ledger
    linked = {d.device_id: d.linked for d in actor.devices}
    anon = {d.device_id: d.anon_id for d in actor.devices}
    uid = actor.user_id

    def identity(t_device: str) -> str:
        return uid if uid is not None and linked[t_device] else anon[t_device]

    touches = actor.touches
    invalid = invalid_touch_ids(touches, lambda t: identity(t.device_id)) if touches else set()
    ledger.fraud_invalid_touches += len(invalid)
    for burst in bursts(touches, lambda t: t.device_id) if touches else []:
        if len(burst) >= BURST_LISTED_FROM:
            ledger.fraud_bursts.append(
                {
                    "device_id": burst[0].device_id,
                    "utm_campaign": burst[0].utm_campaign,
                    "touches": len(burst),
                    "invalid": len(burst) > 5,
                    "first_ts": sim.clock.fmt(burst[0].ts),
                    "last_ts": sim.clock.fmt(burst[-1].ts),
                }
            )
    if actor.orders:
        assert uid is not None
        mine = [t for t in touches if identity(t.device_id) == uid and t.event_id not in invalid]
        for order in actor.orders:
            win = winning_touch(order.ts, mine)
            channel = "direct" if win is None else sim.world.channel(win.utm_source, win.utm_medium)
            ledger.order_channel[order.order_id] = channel
            ledger.orders_by_channel[channel] += 1
            if order.scenario is not None:
                ledger.scenarios.setdefault(order.scenario, []).append(order.order_id)
    sim.anon_only += sum(1 for d in actor.devices if d.used and not d.linked)
    n_linked = sum(1 for d in actor.devices if d.linked)
    if uid is None or not n_linked:
        return
    if n_linked >= 2:
        sim.multi_device_users.append(uid)
    if actor.consent_off:
        sim.consent_off_users.append(uid)
    if actor.kind == "buyer":
        sim.buyers += 1
        if not actor.consent_off:
            sim.referrers.append((uid, referral_code(sim.rng)))
    elif actor.kind == "seller":
        sim.sellers += 1


def _login_plan(sim: Sim, n: int) -> int:
    """Index of the session in which a device first logs in; -1 = already logged in."""
    r = sim.rng.random()
    if r < 0.6:
        return -1
    return min(n - 1, 0 if r < 0.8 else sim.rng.randint(1, 2))


def buyer(sim: Sim) -> None:
    rng, clock = sim.rng, sim.clock
    actor = Actor("buyer", rid("usr_", rng), sim.pick_city(), [new_device(sim)])
    if rng.random() < P_TWO_DEVICES:
        actor.devices.append(new_device(sim, "app" if actor.devices[0].source == "web" else "web"))
    if rng.random() < P_CONSENT_OFF:
        actor.consent, actor.consent_off = CONSENT_OFF, True
    elif rng.random() < P_NO_MARKETING:
        actor.consent = CONSENT_NO_MARKETING
    n = 1 + min(int(rng.expovariate(0.2)), 30)
    n_dev = len(actor.devices)
    n = max(n, n_dev)
    starts = sorted(clock.session_start(rng, hi=clock.t1 - TAIL_MS) for _ in range(n))
    devs = [0] * n
    if n_dev == 2:
        devs = [1 if rng.random() < 0.4 else 0 for _ in range(n)]
        for d in (0, 1):  # both devices get at least one session (n ≥ 2)
            if d not in devs:
                devs[rng.randrange(n)] = d
    plans = []
    for start, d in zip(starts, devs, strict=True):
        touch = None
        if not actor.consent_off and rng.random() < P_SESSION_TOUCH:
            touch = rng.choices(_USER_SURFACES, weights=_USER_SURFACE_W)[0]
        plans.append(Plan(start=start, device=d, touch=touch))
    by_device = [[p for p in plans if p.device == d] for d in range(n_dev)]
    new_signup = rng.random() < P_NEW_SIGNUP
    if new_signup:
        first = by_device[0][min(len(by_device[0]) - 1, rng.randrange(3))]
        first.signup = True
        if sim.referrers and rng.random() < P_REFERRED and not actor.consent_off:
            actor.referred_by = rng.choice(sim.referrers)
            first.touch, first.campaign_id, first.token = "sharecard", "cmp_share_invite", True
            if rng.random() < 0.55:
                plans.append(
                    Plan(
                        start=first.start + rng.randrange(2 * HOUR_MS, 12 * DAY_MS),
                        device=0,
                        depth=5,
                    )
                )
        for p in plans:
            if p.start < first.start:
                p.cap = 2  # not a member yet: browse only
        for d, dplans in enumerate(by_device):
            later = [p for p in dplans if p.start > first.start]
            if d and later:
                later[0].login = True
    else:
        for d, dplans in enumerate(by_device):
            k = _login_plan(sim, len(dplans))
            if k < 0:
                actor.devices[d].logged_in = True
            else:
                dplans[k].login = True
        if actor.consent["marketing"]:
            plans.extend(_emails(sim, actor))
    run_actor(sim, actor, plans)


def _emails(sim: Sim, actor: Actor) -> list[Plan]:
    """Campaign emails: unopened ones are just email.sent; opened ones become plans."""
    rng, clock = sim.rng, sim.clock
    assert actor.user_id is not None
    out = []
    for _ in range(int(rng.expovariate(6 / clock.days))):
        if rng.random() < 0.35:
            out.append(
                Plan(
                    start=clock.session_start(rng, hi=clock.t1 - TAIL_MS),
                    kind="email",
                    email_click=rng.random() < 0.3,
                )
            )
        else:
            camp = rng.choice(sim.world.campaigns_by_surface["email"])
            sim.out.server(
                actor,
                actor.user_id,
                "email.sent",
                clock.session_start(rng),
                {"campaign_id": camp.campaign_id},
            )
    return out


def seller(sim: Sim) -> None:
    rng, clock = sim.rng, sim.clock
    if not sim.seller_pool:
        buyer(sim)
        return
    actor = sim.owners[sim.seller_pool.pop()]
    actor.devices.append(new_device(sim))
    n = rng.randint(2, 8)
    starts = sorted(clock.session_start(rng, hi=clock.t1 - TAIL_MS) for _ in range(n))
    plans = [Plan(start=s) for s in starts]
    k = _login_plan(sim, n)
    if k < 0:
        actor.devices[0].logged_in = True
    else:
        plans[k].login = True
    run_actor(sim, actor, plans)


def visitor(sim: Sim) -> None:
    rng, clock = sim.rng, sim.clock
    actor = Actor(
        "visitor", None, sim.pick_city(), [new_device(sim, "web" if rng.random() < 0.7 else "app")]
    )
    first = clock.session_start(rng, hi=clock.t1 - TAIL_MS)
    starts = [first] + [
        first + rng.randrange(HOUR_MS, 5 * DAY_MS)
        for _ in range((rng.random() < 0.3) + (rng.random() < 0.1))
    ]
    plans = []
    for i, start in enumerate(starts):
        touch = None
        if rng.random() < (0.4 if i == 0 else 0.2):
            touch = rng.choices(_VISITOR_SURFACES, weights=_VISITOR_SURFACE_W)[0]
        plans.append(Plan(start=start, touch=touch, cap=2))
    run_actor(sim, actor, plans)


BOT_KINDS = ("burst_invalid", "burst_split", "burst_of_five")


def burst_gaps(sim: Sim, kind: str) -> tuple[int, ...]:
    """Gaps between the clicks of a planted burst (all under 10 minutes except splits)."""
    rng = sim.rng
    if kind == "burst_invalid":
        n = rng.randint(6, 15)
        return tuple(rng.randrange(5_000, 40_000) for _ in range(n - 1))
    if kind == "burst_of_five":
        return tuple(rng.randrange(5_000, 90_000) for _ in range(4))
    a, b = rng.randint(3, 5), rng.randint(3, 5)
    split = rng.randrange(11 * MIN_MS, 20 * MIN_MS)  # ≥10 min: two valid bursts, one session
    return (
        *(rng.randrange(5_000, 60_000) for _ in range(a - 1)),
        split,
        *(rng.randrange(5_000, 60_000) for _ in range(b - 1)),
    )


def bot(sim: Sim, kind: str) -> None:
    """An anonymous device firing a burst of affiliate clicks."""
    rng, clock = sim.rng, sim.clock
    actor = Actor("bot", None, sim.pick_city(), [new_device(sim, "web")], in_experiments=False)
    plan = Plan(
        start=clock.session_start(rng, hi=clock.t1 - TAIL_MS),
        kind="burst",
        campaign_id=rng.choice(AFFILIATE_CAMPAIGNS),
        burst=burst_gaps(sim, kind),
    )
    run_actor(sim, actor, [plan])
