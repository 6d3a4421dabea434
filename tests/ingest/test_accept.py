"""The generated hot path (`Validator.accept`) says yes exactly when `check` accepts an
event with no unknown fields, including when its memos (timestamp prefixes, screened
identifiers) are warm from earlier events."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehouse.ingest.records import iso_utc, process
from lakehouse.ingest.validate import Validator
from tests.conftest import valid_examples

NOW = 1_800_000_000.0
FULL: dict[str, Any] = {
    "event_id": "evt_01JBQ2Z8X4K9M3N5P7R8S0T1V2",
    "event_name": "search.query",
    "event_version": 1,
    "event_ts": "2026-10-05T14:03:11.250Z",
    "anon_id": "anon_7f3a",
    "user_id": None,
    "session_id": "ses_1",
    "seq": 3,
    "device_id": "dev_1",
    "source": "web",
    "page_path": "/search",
    "referrer": None,
    "country": "PT",
    "city": "Lisbon",
    "utm_source": None,
    "utm_medium": None,
    "utm_campaign": None,
    "utm_content": None,
    "utm_term": None,
    "click_token": None,
    "consent": {"analytics": True, "marketing": False},
    "payload": {"query_id": "q1", "query": "tattoo", "results_count": 12, "city": "Lisbon"},
}
_V = Validator()
_PY = Validator(native=False)  # the generated Python path, used when _accept.c is not built
_POOL = [FULL, *valid_examples()]
_special = st.sampled_from(
    [
        None, True, 1, 1.0, 2, "", "x" * 300, "web", "server", "evt_01JBQ2Z8X4K9M3N5P7R8S0T1V2",
        "search.query", "no.such_event", "Search.Query", "a@b.co", "+44 7700 900123",
        "555-123-4567", "anon_1", "NL", "nl", "ct_abcdef12",
        "2026-10-05T14:03:11.250Z", "2026-10-05T14:03:11.999Z", "2026-10-05T14:03:11.2a0Z",
        "2026-10-05T14:03:11.25Z", "2026-10-05T14:03:11.250z", "2026-10-05t14:03:11.250Z",
        "2026-10-05T14:03:11+02:00", "2026-10-05T14:03:11.250+00:00", "2026-02-30T14:03:11.250Z",
        "2026-10-05T14:03:11.٢٥٠Z", "2027-01-15T08:00:00.000Z", "2099-01-01T00:00:00.000Z",
        "2026-10-05T24:00:00.000Z", "2026-10-05T14:03:11.250Z\n",
    ]
)  # fmt: skip
_values = st.one_of(
    _special, st.integers(-2, 5), st.text(max_size=8),
    st.lists(st.integers(0, 2), max_size=2), st.dictionaries(st.text(max_size=3), _special, max_size=2),
)  # fmt: skip


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    ev = copy.deepcopy(draw(st.sampled_from(_POOL)))
    for _ in range(draw(st.integers(0, 3))):
        in_payload = draw(st.booleans()) and isinstance(ev.get("payload"), dict)
        target = ev["payload"] if in_payload else ev
        keys = list(target)
        action = draw(st.sampled_from(["drop", "set", "set", "add"]))
        if action == "drop" and keys:
            target.pop(draw(st.sampled_from(keys)))
        elif action == "set" and keys:
            target[draw(st.sampled_from(keys))] = draw(_values)
        else:
            target[draw(st.text(min_size=1, max_size=6))] = draw(_values)
    return ev


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_accept_is_check_accepting_without_unknown_fields(event: dict[str, Any]) -> None:
    size = len(orjson.dumps(event))
    expected = _V.check(event, size, NOW) == ()
    limit = NOW + _V.limits.max_future_skew_s
    for v in (_V, _PY):
        assert v.accept(event, size, limit) is expected  # cold or warm memos
        assert v.accept(event, size, limit) is expected  # warm memos
    if expected:  # and the reference validator agrees with the yes
        reg = _V.registry
        assert reg.envelope.validator.is_valid(event)
        contract = reg.events[(event["event_name"], event["event_version"])]
        assert contract.validator.is_valid(event["payload"])


def test_the_compiled_accept_path_is_built() -> None:
    # `pip install -e .` (make venv) compiles lakehouse/ingest/_accept.c; ingest without it
    # still gives the same answers, but at half the speed, so its absence is a failure.
    assert _V.native and not _PY.native
    assert type(_V.accept).__module__ == "lakehouse.ingest._accept"


@pytest.mark.parametrize("native", [True, False], ids=["native", "python"])
def test_memos_do_not_leak_between_values(native: bool) -> None:
    v = Validator(native=native)
    limit = NOW + v.limits.max_future_skew_s
    assert v.accept(FULL, 500, limit)
    for ts, ok in [
        ("2026-10-05T14:03:11.999Z", True),
        ("2026-10-05T14:03:11.2a0Z", False),
        ("2026-10-05T14:03:11.٢٥٠Z", False),
        ("2026-10-05T14:03:11 250Z", False),
        ("2026-10-05T14:03:11.250Z ", False),
    ]:
        assert v.accept({**FULL, "event_ts": ts}, 500, limit) is ok, ts
    skew = v.limits.max_future_skew_s
    now = 1_800_000_000.25 - skew  # so that now + skew is 2027-01-15T08:00:00.250Z
    for ts in ("2027-01-15T08:00:00.249Z", "2027-01-15T08:00:00.250Z", "2027-01-15T08:00:00.251Z"):
        ev = {**FULL, "event_ts": ts}
        for _ in range(2):  # cold, then warm
            assert v.accept(ev, 500, now + skew) is (v.check(ev, 500, now) == ()), ts
    assert v.accept({**FULL, "device_id": "call +44 7700 900123"}, 500, limit) is False
    assert v.accept({**FULL, "session_id": "dev_1"}, 500, limit)  # screened before, as device_id


@pytest.mark.parametrize("v", [_V, _PY], ids=["native", "python"])
def test_process_matches_check_for_mixed_batches(v: Validator) -> None:
    batch = [FULL, {**FULL, "extra": 1}, {**FULL, "anon_id": "x@y.com"}, [1], {**FULL, "seq": 0}]
    batch += [copy.deepcopy(e) for e in valid_examples()]
    batch += [{**FULL, "seq": 0}, FULL, FULL, {**FULL, "event_ts": "2026-10-05T16:03:11+02:00"}]
    raws = [orjson.dumps(e) for e in batch]
    verdicts = [v.check(e, len(r), NOW) for e, r in zip(batch, raws, strict=True)]
    # Each accepted event's Bronze line, in order, built here one by one.
    head = b'{"received_at":"' + iso_utc(NOW).encode() + b'","batch_id":"bat_x","_unknown_fields":'
    lines = [
        head + orjson.dumps(list(x)) + b',"event":' + r + b"}\n"
        for x, r in zip(verdicts, raws, strict=True)
        if type(x) is tuple
    ]
    rejected = [i for i, x in enumerate(verdicts) if type(x) is not tuple]
    assert rejected == [2, 3, 4, len(batch) - 4]  # PII, not an object, seq 0 twice
    for unique_keys in (True, False):
        out = process(
            v, batch, raws, now=NOW, batch_id="bat_x", origin="t", unique_keys=unique_keys
        )
        assert out.accepted == len(lines)
        assert b"".join(out.bronze) == b"".join(lines)
        assert [r["index"] for r in out.rejected] == rejected


def test_compiled_timestamps_match_the_calendar() -> None:
    # Leap days, the epoch, before it, and years past 2**53 µs (those go to Python).
    for ts, valid in [
        ("2024-02-29T12:00:00.000Z", True), ("2023-02-29T12:00:00.000Z", False),
        ("2000-02-29T00:00:00.000Z", True), ("1900-02-29T00:00:00.000Z", False),
        ("1970-01-01T00:00:00.000Z", True), ("1969-12-31T23:59:59.999Z", True),
        ("0001-01-01T00:00:00.000Z", True), ("0000-01-01T00:00:00.000Z", False),
        ("9999-12-31T23:59:59.999Z", True), ("2026-12-31T23:59:60.000Z", False),
        ("2026-04-31T10:00:00.000Z", False), ("2026-10-05T14:60:00.000Z", False),
    ]:  # fmt: skip
        ev = {**FULL, "event_ts": ts}
        if not valid:
            assert not _V.accept(ev, 500, 1e12) and not _PY.accept(ev, 500, 1e12), ts
            continue
        at = datetime.fromisoformat(ts).timestamp()  # the limit exactly at the event
        for v in (_V, _PY):
            assert v.accept(ev, 500, at), ts
            assert not v.accept(ev, 500, at - 0.001), ts


@settings(max_examples=2000, deadline=None)
@given(
    st.floats(min_value=-1e10, max_value=1e10, allow_nan=False)
    | st.integers(0, 4 * 10**15).map(lambda us: us / 1e6)
)
def test_received_at_is_what_datetime_formats(ts: float) -> None:
    """The cached-second stamp equals datetime's own rendering, rounding included."""
    assert iso_utc(ts) == datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_received_at_rounds_into_the_next_second() -> None:
    assert iso_utc(1_790_000_000.9999996) == "2026-09-21T14:13:21.000000Z"
    assert iso_utc(1_790_000_000.25) == "2026-09-21T14:13:20.250000Z"
