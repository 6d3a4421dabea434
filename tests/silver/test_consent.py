"""PRIV-2 at refine: consent-off events reach Silver without identifiers, keep
everything else (amounts), and the consent.update record keeps who decided."""

from __future__ import annotations

import orjson

from lakehouse.config import Settings
from lakehouse.silver.consent import STRIPPED
from lakehouse.silver.refine import refine
from tests.silver.conftest import event, land, silver

OFF = {"analytics": False, "marketing": False}
IDS = {
    "user_id": "u_off",
    "anon_id": "anon_off",
    "device_id": "dv_off",
    "session_id": "s_off",
}


def test_consent_off_events_lose_their_identifiers_and_keep_their_amounts(
    settings: Settings,
) -> None:
    touch = event(consent=OFF, click_token="ct_offclick1", utm_source="google", **IDS)
    order = event(
        consent=OFF,
        event_name="checkout.complete",
        source="server",
        payload={"order_id": "o_1", "checkout_id": "co_1", "profile_id": "p_1",
                 "amount_cents": 4900, "currency": "EUR"},
        **IDS,
    )  # fmt: skip
    decision = event(
        consent=OFF, event_name="consent.update", payload={"analytics": False, "marketing": False},
        **IDS,
    )  # fmt: skip
    # an undeclared field sends this one through the Python slow path: stripped as well
    odd = event(consent=OFF, ab_flag="beta", **IDS)
    consented = event(**IDS)
    land(settings, [touch, order, decision, odd, consented])
    refine(settings)
    rows = {r["event_id"]: r for r in silver(settings)}
    assert len(rows) == 5

    for ev in (touch, order, odd):
        row = rows[ev["event_id"]]
        assert {c: row[c] for c in STRIPPED} == dict.fromkeys(STRIPPED)
        raw = row["_raw"]
        assert not any(v in raw for v in (*IDS.values(), "ct_offclick1")), raw
        assert not set(STRIPPED) & orjson.loads(raw).keys()
        assert row["consent_analytics"] is False and row["city"] == "Berlin"
    assert rows[touch["event_id"]]["utm_source"] == "google"  # the visit, not the visitor
    paid = rows[order["event_id"]]
    assert dict(paid["payload"]) == {"order_id": "o_1", "checkout_id": "co_1", "profile_id": "p_1",
                                     "amount_cents": "4900", "currency": "EUR"}  # fmt: skip
    assert orjson.loads(paid["_raw"])["payload"]["amount_cents"] == 4900

    record = rows[decision["event_id"]]
    assert (record["user_id"], record["anon_id"]) == ("u_off", "anon_off")
    assert (record["device_id"], record["session_id"], record["seq"]) == (None, None, None)
    assert set(orjson.loads(record["_raw"])) >= {"user_id", "anon_id"}
    assert "dv_off" not in record["_raw"] and "s_off" not in record["_raw"]

    kept = rows[consented["event_id"]]
    assert {c: kept[c] for c in IDS} == IDS
    assert orjson.loads(kept["_raw"]) == consented


def test_a_late_event_of_a_consent_off_user_still_deduplicates(settings: Settings) -> None:
    """Dedup keys on event_id, which stripping never touches: a resent copy is dropped."""
    ev = event(consent=OFF, **IDS)
    land(settings, [ev])
    refine(settings)
    land(settings, [ev])
    result = refine(settings)
    assert (result.rows_in, result.rows_written, result.dup_in_silver) == (1, 0, 1)
    assert [r["user_id"] for r in silver(settings)] == [None]
