"""Client sessions: entry touch, app start, the search funnel, checkout, exposures.

A session's events are seconds to minutes apart (never 30), and a session only starts
mid-activity when it opens with a fresh marketing touch (promo click, email click), so
the client's session_id boundaries are exactly the ones SES-1 would draw.
"""

from __future__ import annotations

from dataclasses import dataclass

from lakehouse.simulate.actors import Actor, Device, Order, Touch
from lakehouse.simulate.clock import DAY_MS, MIN_MS
from lakehouse.simulate.emitter import Marketing, Session
from lakehouse.simulate.ids import click_token, rid
from lakehouse.simulate.orders import settle
from lakehouse.simulate.sim import Sim
from lakehouse.simulate.world import Campaign, Profile

# Session-level funnel 100/45/30/12/6/4 as conditional step probabilities.
P_CLICK = 0.45
P_VIEW = 30 / 45
P_MESSAGE = 12 / 30
P_START = 6 / 12
P_COMPLETE = 4 / 6
P_PROMO_IMPRESSION = 0.35
P_PROMO_CLICK = 0.12
P_LOGOUT = 0.04
HOURS = (1, 1, 1, 2, 2, 3, 4)

TOUCH_EVENT = {
    "alert": "growth.alert.click",
    "digest": "digest.click",
    "sharecard": "sharecard.click",
    "email": "email.click",
    "promo": "promo.click",
    "landing": "landing.view",
    "paid_search": "landing.view",
    "social": "landing.view",
}
TOKEN_RATE = {"alert": 0.95, "digest": 0.95, "sharecard": 0.9, "email": 0.6, "promo": 1.0}
_REFERRER = {
    "google": "https://www.google.com/",
    "bing": "https://www.bing.com/",
    "duckduckgo": "https://duckduckgo.com/",
    "facebook": "https://l.facebook.com/",
    "instagram": "https://l.instagram.com/",
    "tiktok": "https://www.tiktok.com/",
    "partner": "https://partners.lakehouse.test/",
}
QUERIES = (
    "portrait photographer",
    "headshots",
    "wedding photographer",
    "product photography",
    "studio rental",
    "fashion shoot",
    "family photos",
    "event photographer",
    "makeup artist",
    "video editor",
    "newborn photos",
    "drone footage",
)
_CONTENT = ("hero_cta", "carousel_2", "text_link", "video_a", None, None)


@dataclass
class Plan:
    """One planned client session (or email open/click pair, or click burst)."""

    start: int
    device: int = 0
    touch: str | None = None  # surface of the entry touch
    campaign_id: str | None = None  # force the touch's campaign
    token: bool | None = None  # force a click_token on/off; None = the surface's usual rate
    depth: int | None = None  # forced funnel depth, 5 = order; None = sampled
    cap: int = 5  # deepest step allowed (anonymous visitors stop at a profile view)
    login: bool = False
    signup: bool = False
    kind: str = "regular"  # regular | email | burst
    burst: tuple[int, ...] = ()  # gaps (ms) between burst clicks after the first
    email_click: bool = False
    scenario: str | None = None


def _gap(sim: Sim) -> int:
    """Milliseconds between two events of a session (random() is far cheaper than randrange)."""
    return 3_000 + int(sim.rng.random() * 72_000)


def run_plan(sim: Sim, actor: Actor, plan: Plan, t: int) -> None:
    dev = actor.devices[plan.device]
    if plan.kind == "email":
        _email(sim, actor, dev, plan, t)
    elif plan.kind == "burst":
        _burst(sim, actor, dev, plan, t)
    else:
        _regular(sim, actor, dev, plan, t)


def _campaign(sim: Sim, plan: Plan, surface: str) -> Campaign:
    if plan.campaign_id is not None:
        return sim.world.campaigns[plan.campaign_id]
    return sim.rng.choice(sim.world.campaigns_by_surface[surface])


def _touch(sim: Sim, s: Session, t: int, surface: str, camp: Campaign, token: bool | None) -> None:
    """Emit the marketing touch that opens session `s` and remember it for attribution."""
    rng = sim.rng
    has_token = token if token is not None else rng.random() < TOKEN_RATE.get(surface, 0.0)
    name = TOUCH_EVENT[surface]
    term = rng.choice(QUERIES) if surface == "paid_search" else None
    mk = Marketing(
        camp.utm_source,
        camp.utm_medium,
        camp.utm_campaign,
        rng.choice(_CONTENT),
        term,
        click_token(rng) if has_token else None,
        _REFERRER.get(camp.utm_source),
    )
    if name == "landing.view":
        payload: dict[str, object] = {
            "landing_id": f"lnd_{s.actor.city.city_id}_{camp.utm_campaign}"
        }
        page = f"/lp/{camp.utm_campaign}"
    elif name == "promo.click":
        payload = {"promo_id": camp.campaign_id, "slot": rng.randint(1, 3), "is_sponsored": True}
        page = "/search"
    else:
        payload = {"campaign_id": camp.campaign_id}
        page = "/"
    eid = sim.out.client(s, name, t, payload, page, mk)
    s.actor.touches.append(
        Touch(
            t,
            eid,
            s.device.device_id,
            has_token,
            camp.utm_source,
            camp.utm_medium,
            camp.utm_campaign,
        )
    )


def _render(sim: Sim, s: Session, t: int, surface: str, seen: set[str]) -> int:
    """Fire exp.view for experiments first rendered on `surface` in this session."""
    tv = t + 100 + int(sim.rng.random() * 800)
    fired = sim.experiments.renders(s.actor, s.device, surface, tv, seen)
    for exp_id, variant in fired:
        sim.out.client(s, "exp.view", tv, {"exp_id": exp_id, "variant": variant}, None)
        tv += 1
    return tv if fired else t


def _login(sim: Sim, s: Session, t: int) -> int:
    t += _gap(sim)
    s.device.logged_in = True
    method = sim.rng.choices(("password", "google", "apple", "magic_link"), weights=(5, 3, 2, 1))[0]
    sim.out.client(s, "user.login", t, {"method": method}, "/login")
    return t


def _regular(sim: Sim, actor: Actor, dev: Device, plan: Plan, t: int) -> None:
    rng, out = sim.rng, sim.out
    s = out.open_session(actor, dev)
    seen: set[str] = set()
    if plan.touch is not None:
        _touch(sim, s, t, plan.touch, _campaign(sim, plan, plan.touch), plan.token)
        t += _gap(sim)
    out.client(s, "app.start", t, {"platform": dev.platform, "app_version": dev.app_version}, "/")
    t = _render(sim, s, t, "home", seen)
    if actor.consent_off and not actor.consent_announced:
        t += _gap(sim)
        actor.consent_announced = True
        out.client(
            s, "consent.update", t, {"analytics": False, "marketing": False}, "/settings/privacy"
        )
    if plan.signup and actor.user_id is not None:
        t += _gap(sim)
        dev.logged_in = True
        out.client(s, "user.signup", t, {"role": actor.kind}, "/signup")
        if actor.referred_by is not None:
            t += rng.randrange(500, 5_000)
            referrer, code = actor.referred_by
            actor.referral = (referrer, code, t)
            out.client(
                s,
                "referral.signup",
                t,
                {"referrer_user_id": referrer, "referral_code": code},
                "/signup",
            )
            sim.ledger.referral_signups += 1
    elif plan.login and not dev.logged_in:
        t = _login(sim, s, t)
    if actor.kind == "seller":
        t = _seller_tasks(sim, s, t, seen)
    else:
        s, t = _browse(sim, s, t, plan, seen)
    if dev.logged_in and rng.random() < P_LOGOUT:
        t += _gap(sim)
        out.client(s, "user.logout", t, {}, "/logout")
        dev.logged_in = False
    out.close_session(s)


def _seller_tasks(sim: Sim, s: Session, t: int, seen: set[str]) -> int:
    own: Profile = s.actor.own_profile
    for _ in range(sim.rng.randint(1, 3)):
        t += _gap(sim)
        sim.out.client(
            s,
            "profile.view",
            t,
            {"profile_id": own.profile_id, "studio_id": own.studio_id},
            f"/p/{own.profile_id}",
        )
    return t


def _sample_depth(sim: Sim, plan: Plan) -> int:
    if plan.depth is not None:
        return plan.depth
    r = sim.rng.random
    d = 0
    if r() < P_CLICK:
        d = 1
        if r() < P_VIEW:
            d = 2
            if r() < P_MESSAGE:
                d = 3
                if r() < P_START:
                    d = 4
    return min(d, plan.cap)


def _browse(sim: Sim, s: Session, t: int, plan: Plan, seen: set[str]) -> tuple[Session, int]:
    """Searches, result clicks and profile views, then maybe message and checkout."""
    rng, out = sim.rng, sim.out
    actor = s.actor
    d = _sample_depth(sim, plan)
    city = actor.city if rng.random() < 0.9 else sim.pick_city()
    profiles = sim.world.profiles_by_city[city.city_id]
    target = rng.choice(profiles)
    n_search = 1 + (rng.random() < 0.35) + (rng.random() < 0.1)
    for i in range(n_search):
        last = i == n_search - 1
        t += _gap(sim)
        query_id = rid("q_", rng)
        results = 0 if not (last and d >= 1) and rng.random() < 0.08 else 3 + int(rng.random() * 77)
        out.client(
            s,
            "search.query",
            t,
            {
                "query_id": query_id,
                "query": rng.choice(QUERIES),
                "results_count": results,
                "city": city.name,
            },
            "/search",
        )
        t = _render(sim, s, t, "search", seen)
        if results and rng.random() < P_PROMO_IMPRESSION:
            promo = rng.choice(sim.world.campaigns_by_surface["promo"])
            t += 200 + int(rng.random() * 1_800)
            slot = 1 + int(rng.random() * 3)
            out.client(
                s,
                "promo.impression",
                t,
                {"promo_id": promo.campaign_id, "slot": slot, "is_sponsored": rng.random() < 0.85},
                "/search",
            )
            if (
                last
                and d >= 2
                and not (actor.consent_off or actor.scripted)
                and rng.random() < P_PROMO_CLICK
            ):
                # The click is a new marketing touch: the client starts a new session (SES-1).
                out.close_session(s)
                s = out.open_session(actor, s.device)
                seen = set()
                t += rng.randrange(2_000, 20_000)
                _touch(sim, s, t, "promo", promo, True)
                t = _view(sim, s, t, target, seen)
                return s, _checkout(sim, s, t, target, d, plan)
        if not results:
            continue
        if last and d >= 1:
            t = _click(sim, s, t, query_id, target)
            if d >= 2:
                t = _view(sim, s, t, target, seen)
        elif not last and d >= 2 and rng.random() < 0.4:
            other = rng.choice(profiles)
            t = _click(sim, s, t, query_id, other)
            if rng.random() < 0.8:
                t = _view(sim, s, t, other, seen)
    return s, _checkout(sim, s, t, target, d, plan)


def _click(sim: Sim, s: Session, t: int, query_id: str, p: Profile) -> int:
    t += _gap(sim)
    payload = {
        "query_id": query_id,
        "impression_id": rid("imp_", sim.rng),
        "profile_id": p.profile_id,
        "rank": 1 + int(sim.rng.random() * 20),
    }
    sim.out.client(s, "search.result_click", t, payload, "/search")
    return t


def _view(sim: Sim, s: Session, t: int, p: Profile, seen: set[str]) -> int:
    t += _gap(sim)
    sim.out.client(
        s,
        "profile.view",
        t,
        {"profile_id": p.profile_id, "studio_id": p.studio_id},
        f"/p/{p.profile_id}",
    )
    return _render(sim, s, t, "profile", seen)


def _checkout(sim: Sim, s: Session, t: int, p: Profile, d: int, plan: Plan) -> int:
    """message.sent → checkout.start → checkout.complete for sessions that get that far."""
    if d < 3:
        return t
    rng, out = sim.rng, sim.out
    actor = s.actor
    if not s.device.logged_in:
        if actor.user_id is None:
            return t  # anonymous visitors cannot message
        t = _login(sim, s, t)
    t += _gap(sim)
    out.client(
        s,
        "message.sent",
        t,
        {"thread_id": rid("thr_", rng), "to_profile_id": p.profile_id},
        f"/p/{p.profile_id}/message",
    )
    if d < 4:
        return t
    t += rng.randrange(30_000, 300_000)
    amount = p.base_price_cents * rng.choice(HOURS)
    currency = sim.world.currency[p.city_id]
    checkout_id = rid("chk_", rng)
    out.client(
        s,
        "checkout.start",
        t,
        {
            "checkout_id": checkout_id,
            "profile_id": p.profile_id,
            "amount_cents": amount,
            "currency": currency,
        },
        f"/checkout/{checkout_id}",
    )
    p_done = P_COMPLETE * sim.experiments.completion_lift(actor, t)
    if d < 5 and rng.random() >= p_done:
        return t
    t += rng.randrange(20_000, 180_000)
    order = Order(rid("ord_", rng), t, amount, plan.scenario)
    actor.orders.append(order)
    out.client(
        s,
        "checkout.complete",
        t,
        {
            "order_id": order.order_id,
            "checkout_id": checkout_id,
            "profile_id": p.profile_id,
            "amount_cents": amount,
            "currency": currency,
        },
        f"/checkout/{checkout_id}/done",
    )
    for exp_id, metric in sim.experiments.converted(actor, t):
        t += rng.randrange(50, 500)
        out.client(s, "exp.convert", t, {"exp_id": exp_id, "metric": metric}, None)
    settle(sim, actor, order, p)
    return t


def _email(sim: Sim, actor: Actor, dev: Device, plan: Plan, t: int) -> None:
    """email.sent (server) → email.open (its own one-event session) → maybe email.click."""
    rng, out = sim.rng, sim.out
    assert actor.user_id is not None
    camp = _campaign(sim, plan, "email")
    sent = max(sim.clock.t0, t - rng.randrange(10 * MIN_MS, DAY_MS // 2))
    out.server(actor, actor.user_id, "email.sent", sent, {"campaign_id": camp.campaign_id})
    s = out.open_session(actor, dev)
    out.client(s, "email.open", t, {"campaign_id": camp.campaign_id}, None)
    out.close_session(s)
    if plan.email_click:
        click = Plan(start=t, device=plan.device, touch="email", campaign_id=camp.campaign_id)
        _regular(sim, actor, dev, click, t + rng.randrange(5_000, 90_000))


def _burst(sim: Sim, actor: Actor, dev: Device, plan: Plan, t: int) -> None:
    """Rapid clicks on one campaign from one device (click fraud, ATT-3)."""
    assert plan.campaign_id is not None
    camp = sim.world.campaigns[plan.campaign_id]
    s = sim.out.open_session(actor, dev)
    _touch(sim, s, t, "landing", camp, False)
    for gap in plan.burst:
        t += gap
        _touch(sim, s, t, "landing", camp, False)
    sim.out.close_session(s)
