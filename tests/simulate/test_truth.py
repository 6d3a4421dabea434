"""truth.json agrees with what an independent reader finds in the file."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lakehouse.experiments.assign import assign
from lakehouse.simulate.truth import REJECT_REASONS
from tests.simulate.conftest import N_EVENTS, SEED
from tests.simulate.replay import ENVELOPE, FUNNEL, PAYLOADS, SERVER_EVENTS, Replay, day_of

DOCUMENTED_KEYS = {
    "seed", "events_requested", "lines_written", "valid_events", "valid_deliveries",
    "duplicate_deliveries", "rejected_by_reason", "events_by_name", "events_by_day",
    "late_events", "unknown_field_events", "users", "anon_only_visitors", "multi_device_users",
    "consent_off_users", "orders", "gmv_cents", "gmv_cents_by_day", "refunds", "refunded_cents",
    "disputes_opened", "disputes_lost", "payouts", "payout_cents", "orders_by_channel",
    "order_channel", "fraud_bursts", "referrals", "experiments", "sessions_planted", "start", "days",
    "identified",
}  # fmt: skip


def test_truth_has_every_documented_key(truth: dict[str, Any]) -> None:
    assert truth.keys() >= DOCUMENTED_KEYS
    assert truth["start"] == "2026-10-01" and truth["days"] == 30 and truth["seed"] == SEED


def test_line_count_is_close_to_the_request(truth: dict[str, Any], replay: Replay) -> None:
    assert replay.lines == truth["lines_written"]
    assert abs(truth["lines_written"] - N_EVENTS) <= N_EVENTS // 100
    assert truth["lines_written"] == truth["valid_deliveries"] + sum(
        truth["rejected_by_reason"].values()
    )


def test_every_reject_reason_is_planted_and_detected(truth: dict[str, Any], replay: Replay) -> None:
    assert set(truth["rejected_by_reason"]) == set(REJECT_REASONS)
    assert dict(replay.rejected) == truth["rejected_by_reason"]
    assert all(n >= 3 for r, n in truth["rejected_by_reason"].items() if r != "too_large")
    assert 1 <= truth["rejected_by_reason"]["too_large"] <= 2
    assert 0.003 < truth["rejected_lines"] / truth["lines_written"] < 0.008


def test_named_bad_examples_are_present(generated: Path) -> None:
    data = generated.read_bytes()
    for needle in (b'"foo.bar_baz"', b'"event_version":9', b'"country":"FRA"', b'"yesterday"',
                   b'"2099-01-01T00:00:00Z"', b'jane.doe@example.com', b'+44 7700 900123'):  # fmt: skip
        assert needle in data, needle
    lines = data.splitlines()
    assert b"42" in lines and b'"hello"' in lines
    assert any(b" 10:00:00" in line for line in lines)


def test_valid_events_duplicates_and_counts(truth: dict[str, Any], replay: Replay) -> None:
    assert len(replay.events) == truth["valid_events"]
    assert replay.valid_deliveries == truth["valid_deliveries"]
    assert replay.duplicates == truth["duplicate_deliveries"]
    assert replay.duplicate_lines_identical
    assert 0.005 < truth["duplicate_deliveries"] / truth["valid_events"] < 0.015
    by_name = Counter(e["event_name"] for e in replay.valid())
    assert dict(by_name) == truth["events_by_name"]
    by_day = Counter(day_of(e["_ms"]) for e in replay.valid())
    assert {d: n for d, n in truth["events_by_day"].items() if n} == dict(by_day)
    assert len(truth["events_by_day"]) == 30


def test_late_offsets_and_unknown_fields(truth: dict[str, Any], replay: Replay) -> None:
    assert replay.late == truth["late_events"] > 0
    assert dict(replay.late_by_day) == truth["late_events_by_day"]
    offsets = sum(1 for e in replay.valid() if not e["event_ts"].endswith("Z"))
    assert offsets == truth["offset_timestamp_events"]
    assert 0.01 < offsets / truth["valid_events"] < 0.03
    declared = set(ENVELOPE) | {"_ms"}
    unknown = sum(
        1
        for e in replay.valid()
        if set(e) - declared or set(e["payload"]) - set(PAYLOADS[e["event_name"]])
    )
    assert unknown == truth["unknown_field_events"] > 0


def test_envelope_rules_hold_for_every_valid_event(replay: Replay) -> None:
    seqs: dict[str, list[int]] = defaultdict(list)
    for e in replay.valid():
        assert e["event_id"][4:14] <= e["event_id"][4:]  # time prefix first (sorts by time)
        if e["source"] == "server":
            assert e["event_name"] in SERVER_EVENTS
            assert (
                e["anon_id"] is None
                and e["seq"] is None
                and e["session_id"] is None
                and e["user_id"]
            )
        else:
            assert e["anon_id"] and e["session_id"] and e["seq"] >= 1 and e["device_id"]
            seqs[e["session_id"]].append(e["seq"])
        if e["utm_source"] is None:
            assert (
                e["utm_medium"] is None and e["utm_campaign"] is None and e["click_token"] is None
            )
    for sid, s in seqs.items():
        assert sorted(s) == list(range(1, len(s) + 1)), sid  # no gaps: nothing lost


def test_ulid_time_prefix_matches_event_ts(replay: Replay) -> None:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for e in list(replay.valid())[:2000]:
        ms = 0
        for ch in e["event_id"][4:14]:
            ms = ms * 32 + alphabet.index(ch)
        assert ms == e["_ms"]


def test_orders_gmv_and_aftermath(truth: dict[str, Any], replay: Replay) -> None:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in replay.valid():
        by[e["event_name"]].append(e)
    orders = by["checkout.complete"]
    assert len(orders) == truth["orders"] == len(truth["order_channel"]) > 20
    assert sum(o["payload"]["amount_cents"] for o in orders) == truth["gmv_cents"]
    gmv_by_day: Counter[str] = Counter()
    for o in orders:
        gmv_by_day[day_of(o["_ms"])] += o["payload"]["amount_cents"]
    assert {d: v for d, v in truth["gmv_cents_by_day"].items() if v} == dict(gmv_by_day)
    assert len(by["order.refunded"]) == truth["refunds"]
    assert (
        sum(e["payload"]["amount_cents"] for e in by["order.refunded"]) == truth["refunded_cents"]
    )
    assert len(by["dispute.opened"]) == truth["disputes_opened"]
    assert (
        sum(e["payload"]["outcome"] == "lost" for e in by["dispute.closed"])
        == truth["disputes_lost"]
    )
    assert len(by["payout.paid"]) == truth["payouts"] > 0
    assert sum(e["payload"]["amount_cents"] for e in by["payout.paid"]) == truth["payout_cents"]
    amounts = {o["payload"]["order_id"]: o["payload"]["amount_cents"] for o in orders}
    for p in by["payout.paid"]:
        take = 1 - p["payload"]["amount_cents"] / amounts[p["payload"]["order_id"]]
        assert 0.11 < take < 0.19


def test_identities_sessions_and_consent(truth: dict[str, Any], replay: Replay) -> None:
    stitched = replay.identity_map()
    events = replay.valid()
    assert len({e["user_id"] for e in events if e["user_id"]}) == truth["users"]
    anons = {e["anon_id"] for e in events if e["anon_id"]}
    assert len(anons - stitched.keys()) == truth["anon_only_visitors"] > truth["users"]
    anons_of: dict[str, set[str]] = defaultdict(set)
    for a, u in stitched.items():
        anons_of[u].add(a)
    assert {u for u, a in anons_of.items() if len(a) >= 2} == set(truth["multi_device_users"])
    assert 0.1 < len(truth["multi_device_users"]) / truth["buyers"] < 0.3
    off = {e["user_id"] for e in events if e["user_id"] and not e["consent"]["analytics"]}
    assert off == set(truth["consent_off_users"]) and off
    assert sum(e["event_name"] == "consent.update" for e in events) >= len(off)
    assert len({e["session_id"] for e in events if e["session_id"]}) == truth["sessions_planted"]


def funnel_reached(events: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Sessions reaching each FUNNEL step in order (by client seq): an independent replay."""
    by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["session_id"]:
            by_session[e["session_id"]].append(e)
    reached: Counter[str] = Counter()
    for evs in by_session.values():
        step = 0
        for e in sorted(evs, key=lambda e: e["seq"]):
            if step < len(FUNNEL) and e["event_name"] == FUNNEL[step]:
                step += 1
        for name in FUNNEL[:step]:
            reached[name] += 1
    return dict(reached)


def test_funnel_counts_follow_step_order(truth: dict[str, Any], replay: Replay) -> None:
    assert funnel_reached(replay.valid()) == truth["funnel_sessions"]
    f = truth["funnel_sessions"]
    assert (
        f["search.query"]
        > f["profile.view"]
        > f["message.sent"]
        > f["checkout.start"]
        > f["checkout.complete"]
        > 0
    )


def test_referrals(truth: dict[str, Any], replay: Replay) -> None:
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in replay.valid():
        by[e["event_name"]].append(e)
    amounts = {
        e["payload"]["order_id"]: e["payload"]["amount_cents"] for e in by["checkout.complete"]
    }
    refunded_in_full = {
        e["payload"]["order_id"]
        for e in by["order.refunded"]
        if e["payload"]["amount_cents"] == amounts[e["payload"]["order_id"]]
    }
    lost = {
        e["payload"]["order_id"] for e in by["dispute.closed"] if e["payload"]["outcome"] == "lost"
    }
    qualified = [e["payload"]["order_id"] for e in by["referral.qualified"]]
    assert truth["referrals"] == {
        "signups": len(by["referral.signup"]),
        "qualified": len(qualified),
        "clawbacks": sum(o in refunded_in_full or o in lost for o in qualified),
    }
    assert truth["referrals"]["signups"] > 0 and truth["referrals"]["qualified"] > 0


def test_exposures_match_assignment_and_truth(truth: dict[str, Any], replay: Replay) -> None:
    stitched = replay.identity_map()
    first: dict[tuple[str, str], tuple[int, str]] = {}
    views = 0
    for e in replay.valid():
        if e["event_name"] != "exp.view":
            continue
        views += 1
        exp_id, variant = e["payload"]["exp_id"], e["payload"]["variant"]
        ident = replay.identity(e, stitched)
        assert assign([("control", 50), ("treatment", 50)], exp_id, ident) == variant
        key = (exp_id, ident)
        if key not in first or e["_ms"] < first[key][0]:
            first[key] = (e["_ms"], variant)
    orders_by_identity: dict[str, list[int]] = defaultdict(list)
    for e in replay.valid():
        if e["event_name"] == "checkout.complete":
            orders_by_identity[replay.identity(e, stitched)].append(e["_ms"])
    for exp_id, facts in truth["experiments"].items():
        exposed: Counter[str] = Counter()
        converted: Counter[str] = Counter()
        for (eid, ident), (ts, variant) in first.items():
            if eid == exp_id:
                exposed[variant] += 1
                converted[variant] += any(o > ts for o in orders_by_identity[ident])
        assert _nonzero(exposed) == _nonzero(facts["exposures_by_variant"]), exp_id
        assert _nonzero(converted) == _nonzero(facts["conversions_by_variant"]), exp_id
    assert views == truth["events_by_name"]["exp.view"]
    srm = truth["experiments"]["home_feed_layout"]
    assert srm["srm_planted"] and not truth["experiments"]["search_ranking_aa"]["srm_planted"]
    assert (
        srm["exposures_by_variant"]["treatment"] < srm["expected_exposures_by_variant"]["treatment"]
    )
    assert truth["experiments"]["checkout_cta_copy"]["planted_relative_lift"] == 0.10


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def test_client_sessions_are_exactly_the_ses1_sessions(
    truth: dict[str, Any], replay: Replay
) -> None:
    """Sessionizing per identity by SES-1 (30 min, new touch, 24 h) finds the planted sessions."""
    stitched = replay.identity_map()
    timeline: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in replay.valid():
        if e["source"] != "server":
            timeline[replay.identity(e, stitched)].append(e)
    sessions = 0
    for events in timeline.values():
        events.sort(key=lambda e: (e["_ms"], e["seq"]))
        last = start = -(10**15)
        mark: tuple[Any, ...] = (None, None, None)
        for e in events:
            touch = (e["click_token"], e["utm_source"], e["utm_campaign"])
            new_touch = any(v is not None and v != m for v, m in zip(touch, mark, strict=True))
            if e["_ms"] - last > 30 * 60_000 or new_touch or e["_ms"] - start >= 86_400_000:
                sessions += 1
                start, mark = e["_ms"], touch
            last = e["_ms"]
    assert sessions == truth["sessions_planted"]


def _as_silver_keeps(ev: dict[str, Any]) -> dict[str, Any]:
    """PRIV-2 read from SPEC and the README, not from the refine code: a consent-off
    event loses user, anon, device and session id, seq and click token; its
    consent.update keeps user and anon id."""
    if ev["consent"]["analytics"]:
        return ev
    keep = ("user_id", "anon_id") if ev["event_name"] == "consent.update" else ()
    gone = ("user_id", "anon_id", "device_id", "session_id", "seq", "click_token")
    return {**ev, **{k: None for k in gone if k not in keep}}


def test_identified_facts_follow_consent_stripping(truth: dict[str, Any], replay: Replay) -> None:
    seen = truth["identified"]
    stripped = Replay(events={k: _as_silver_keeps(e) for k, e in replay.events.items()})
    events = stripped.valid()
    stitched = stripped.identity_map()
    users = {e["user_id"] for e in events if e["user_id"]}
    assert len(users) == seen["users"] <= truth["users"]
    assert not users & set(truth["consent_off_users"]) - {
        e["user_id"] for e in events if e["event_name"] == "consent.update"
    }
    anons = {e["anon_id"] for e in events if e["anon_id"]}
    assert len(anons - stitched.keys()) == seen["anon_only_visitors"]
    anons_of: dict[str, set[str]] = defaultdict(set)
    for a, u in stitched.items():
        anons_of[u].add(a)
    assert {u for u, a in anons_of.items() if len(a) >= 2} == set(seen["multi_device_users"])
    # Gold sessions: the planted client sessions of consenting people, plus one per
    # identified consent.update of a consent-off person (its only identified event)
    sessions = {e["session_id"] for e in events if e["session_id"]}
    records = sum(
        e["event_name"] == "consent.update" and not e["consent"]["analytics"] for e in events
    )
    assert len(sessions) + records == seen["sessions"] < truth["sessions_planted"]
    assert funnel_reached(events) == seen["funnel_sessions"]
