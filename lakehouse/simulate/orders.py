"""What happens to an order after checkout: payouts, refunds, disputes, referral awards.

All of these are server-side events (source = server, no anon_id/seq). Anything that
would fall after the window is simply not emitted, as a real export would not have it yet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lakehouse.simulate.actors import Actor, Order
from lakehouse.simulate.clock import DAY_MS, HOUR_MS, MIN_MS
from lakehouse.simulate.ids import rid
from lakehouse.simulate.world import Profile

if TYPE_CHECKING:
    from lakehouse.simulate.sim import Sim

P_REFUND = 0.04
P_REFUND_REFERRED = 0.15  # referral orders refund more often, so clawbacks show up
P_FULL_REFUND = 0.75
P_DISPUTE = 0.02  # ≈1.5% of orders once disputes past the window's end are cut
P_DISPUTE_LOST = 0.4
P_PAYOUT = 0.97
REFERRAL_WINDOW_MS = 30 * DAY_MS


@dataclass
class Ledger:
    """Order-level facts for truth.json."""

    days: int
    orders: int = 0
    gmv_cents: int = 0
    gmv_by_day: list[int] = field(default_factory=list)
    orders_by_day: list[int] = field(default_factory=list)
    refunds: int = 0
    refunded_cents: int = 0
    disputes_opened: int = 0
    disputes_lost: int = 0
    payouts: int = 0
    payout_cents: int = 0
    referral_signups: int = 0
    referral_qualified: int = 0
    referral_clawbacks: int = 0
    order_channel: dict[str, str] = field(default_factory=dict)
    orders_by_channel: Counter[str] = field(default_factory=Counter)
    scenarios: dict[str, list[str]] = field(default_factory=dict)
    fraud_bursts: list[dict[str, Any]] = field(default_factory=list)
    fraud_invalid_touches: int = 0

    def __post_init__(self) -> None:
        self.gmv_by_day = [0] * self.days
        self.orders_by_day = [0] * self.days


def settle(sim: Sim, buyer: Actor, order: Order, profile: Profile) -> None:
    """Record a completed order and emit its server-side aftermath."""
    rng, out, ledger = sim.rng, sim.out, sim.ledger
    day = out.clock.day_index(order.ts)
    ledger.orders += 1
    ledger.gmv_cents += order.amount_cents
    ledger.gmv_by_day[day] += order.amount_cents
    ledger.orders_by_day[day] += 1
    uid = buyer.user_id
    assert uid is not None, "only logged-in buyers check out"
    qualifying = False
    if buyer.referral is not None and len(buyer.orders) == 1:
        referrer, _code, signup_ts = buyer.referral
        if order.ts - signup_ts <= REFERRAL_WINDOW_MS:
            eid = out.server(
                buyer,
                uid,
                "referral.qualified",
                order.ts + rng.randrange(MIN_MS, 30 * MIN_MS),
                {"referrer_user_id": referrer, "order_id": order.order_id},
            )
            if eid is not None:
                ledger.referral_qualified += 1
                qualifying = True
    clawback = False
    if rng.random() < (P_REFUND_REFERRED if qualifying else P_REFUND):
        full = rng.random() < P_FULL_REFUND
        amount = order.amount_cents if full else order.amount_cents * rng.randrange(20, 80) // 100
        ts = order.ts + rng.randrange(2 * HOUR_MS, 5 * DAY_MS)
        if out.server(
            buyer, uid, "order.refunded", ts, {"order_id": order.order_id, "amount_cents": amount}
        ):
            ledger.refunds += 1
            ledger.refunded_cents += amount
            clawback = full
        if full:
            _count_clawback(ledger, qualifying, clawback)
            return
    if rng.random() < P_PAYOUT:
        amount = order.amount_cents - round(order.amount_cents * sim.take_rate[profile.city_id])
        seller = sim.owners[profile.profile_id]
        assert seller.user_id is not None
        if out.server(
            seller,
            seller.user_id,
            "payout.paid",
            order.ts + rng.randrange(DAY_MS, 3 * DAY_MS),
            {"payout_id": rid("po_", rng), "order_id": order.order_id, "amount_cents": amount},
        ):
            ledger.payouts += 1
            ledger.payout_cents += amount
    if rng.random() < P_DISPUTE:
        opened = order.ts + rng.randrange(DAY_MS, 6 * DAY_MS)
        if out.server(buyer, uid, "dispute.opened", opened, {"order_id": order.order_id}):
            ledger.disputes_opened += 1
            outcome = "lost" if rng.random() < P_DISPUTE_LOST else "won"
            closed = opened + rng.randrange(DAY_MS, 5 * DAY_MS)
            closed_id = out.server(
                buyer,
                uid,
                "dispute.closed",
                closed,
                {"order_id": order.order_id, "outcome": outcome},
            )
            if closed_id is not None and outcome == "lost":
                ledger.disputes_lost += 1
                clawback = True
    _count_clawback(ledger, qualifying, clawback)


def _count_clawback(ledger: Ledger, qualifying: bool, clawback: bool) -> None:
    if qualifying and clawback:
        ledger.referral_clawbacks += 1
