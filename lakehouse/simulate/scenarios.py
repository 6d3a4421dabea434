"""Scripted buyers whose single order exercises one attribution rule (SPEC §4).

Each scenario is a timeline of sessions relative to a random base time; the buyer has no
other sessions, so the planted channel follows from the rule under test alone. The
expected channel is listed beside each script (tests check the reference implementation
agrees). Scenarios that do not fit in a short window are skipped.
"""

from __future__ import annotations

from lakehouse.simulate.actors import Actor
from lakehouse.simulate.clock import DAY_MS, HOUR_MS, MIN_MS
from lakehouse.simulate.ids import rid
from lakehouse.simulate.population import TAIL_MS, burst_gaps, new_device, run_actor
from lakehouse.simulate.sessions import Plan
from lakehouse.simulate.sim import Sim

# name → (expected channel, needs a second device, [(offset, plan fields)])
_Step = tuple[int, dict[str, object]]
SCENARIOS: dict[str, tuple[str, bool, list[_Step]]] = {
    # A click_token touch beats a later UTM-only touch.
    "token_beats_later_utm": (
        "digest",
        False,
        [
            (0, {"touch": "digest", "campaign_id": "cmp_digest_weekly", "token": True}),
            (
                2 * DAY_MS,
                {"touch": "paid_search", "campaign_id": "cmp_gads_generic", "token": False},
            ),
            (3 * DAY_MS, {"depth": 5}),
        ],
    ),
    # The only touch is 8 days before the order: outside the 7-day lookback.
    "touch_outside_lookback": (
        "direct",
        False,
        [
            (0, {"touch": "email", "campaign_id": "cmp_mail_newsletter", "token": True}),
            (8 * DAY_MS + 3 * HOUR_MS, {"depth": 5}),
        ],
    ),
    # An old token touch (outside lookback) loses to a recent UTM-only touch.
    "utm_after_old_token": (
        "paid_social",
        False,
        [
            (0, {"touch": "alert", "campaign_id": "cmp_alert_daily", "token": True}),
            (5 * DAY_MS, {"touch": "social", "campaign_id": "cmp_fb_prospecting", "token": False}),
            (8 * DAY_MS + 3 * HOUR_MS, {"depth": 5}),
        ],
    ),
    # A touch on a second device before it logs in counts once stitched (ID-1).
    "prelogin_touch_stitched": (
        "sharecard",
        True,
        [
            (
                0,
                {
                    "device": 1,
                    "touch": "sharecard",
                    "campaign_id": "cmp_share_profile",
                    "token": True,
                },
            ),
            (1 * DAY_MS, {"device": 1, "login": True}),
            (2 * DAY_MS, {"device": 0, "depth": 5}),
        ],
    ),
    # Same, but the second device only logs in after the order: stitching is retroactive.
    "late_login_stitched": (
        "sharecard",
        True,
        [
            (
                0,
                {
                    "device": 1,
                    "touch": "sharecard",
                    "campaign_id": "cmp_share_studio",
                    "token": True,
                },
            ),
            (1 * DAY_MS, {"device": 0, "depth": 5}),
            (3 * DAY_MS, {"device": 1, "login": True}),
        ],
    ),
    # A later burst of >5 affiliate clicks is discarded; the earlier social touch wins.
    "fraud_burst_excluded": (
        "paid_social",
        False,
        [
            (0, {"touch": "social", "campaign_id": "cmp_ig_reels", "token": False}),
            (
                2 * DAY_MS,
                {"kind": "burst", "campaign_id": "cmp_aff_cashback", "burst": "burst_invalid"},
            ),
            (2 * DAY_MS + 2 * HOUR_MS, {"depth": 5}),
        ],
    ),
    # Exactly five clicks is not a fraud burst: affiliate wins as the latest touch.
    "burst_of_five_counts": (
        "affiliate",
        False,
        [
            (0, {"touch": "social", "campaign_id": "cmp_ig_reels", "token": False}),
            (
                2 * DAY_MS,
                {"kind": "burst", "campaign_id": "cmp_aff_blogs", "burst": "burst_of_five"},
            ),
            (2 * DAY_MS + 2 * HOUR_MS, {"depth": 5}),
        ],
    ),
    # Eight clicks split by a ≥10-minute gap are two valid bursts.
    "split_burst_counts": (
        "affiliate",
        False,
        [
            (0, {"touch": "social", "campaign_id": "cmp_ig_reels", "token": False}),
            (2 * DAY_MS, {"kind": "burst", "campaign_id": "cmp_aff_blogs", "burst": "burst_split"}),
            (2 * DAY_MS + 3 * HOUR_MS, {"depth": 5}),
        ],
    ),
}

EXPECTED_CHANNEL = {name: spec[0] for name, spec in SCENARIOS.items()}


def scenario_buyer(sim: Sim, name: str) -> bool:
    """Generate one scripted buyer; False when the scenario does not fit the window."""
    rng, clock = sim.rng, sim.clock
    _, two_devices, steps = SCENARIOS[name]
    span = max(off for off, _ in steps) + HOUR_MS
    room = clock.t1 - TAIL_MS - clock.t0 - span
    if room <= 0:
        return False
    actor = Actor(
        "buyer",
        rid("usr_", rng),
        sim.pick_city(),
        [new_device(sim)],
        in_experiments=False,
        scripted=True,
    )
    actor.devices[0].logged_in = True
    if two_devices:
        actor.devices.append(new_device(sim, "app" if actor.devices[0].source == "web" else "web"))
    base = clock.t0 + rng.randrange(room)
    plans = []
    for off, fields in steps:
        plan = Plan(start=base + off + rng.randrange(10 * MIN_MS))
        for key, value in fields.items():
            if key == "burst":
                plan.burst = burst_gaps(sim, str(value))
            else:
                setattr(plan, key, value)
        if plan.depth == 5:
            plan.scenario = name
        else:
            plan.cap = 2  # no stray orders in the scripted lead-up sessions
        plans.append(plan)
    run_actor(sim, actor, plans)
    return True
