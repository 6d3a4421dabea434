"""Validation rules with hand-written events, and the compiled predicates checked
against the reference `jsonschema` implementation on fuzzed variations."""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lakehouse.config import IngestLimits
from lakehouse.ingest import _accept
from lakehouse.ingest.registry import default_registry
from lakehouse.ingest.schema_compile import node_spec
from lakehouse.ingest.validate import Rejection, Validator, parse_event_ts
from tests.conftest import valid_examples

BASE: dict[str, Any] = {
    "event_id": "evt_01JBQ2Z8X4K9M3N5P7R8S0T1V2",
    "event_name": "search.query",
    "event_version": 1,
    "event_ts": "2026-10-05T14:03:11.250Z",
    "source": "web",
    "anon_id": "anon_7f3a",
    "user_id": None,
    "payload": {"query_id": "q1", "query": "tattoo", "results_count": 12, "city": "Lisbon"},
}


def check(event: Any, now: float = 1_800_000_000.0) -> Rejection | tuple[str, ...]:
    return Validator().check(event, len(orjson.dumps(event)), now)


def with_(**changes: Any) -> dict[str, Any]:
    ev = copy.deepcopy(BASE)
    for k, v in changes.items():
        if v is ...:
            ev.pop(k)
        else:
            ev[k] = v
    return ev


def test_base_event_is_accepted_with_no_unknown_fields() -> None:
    assert check(BASE) == ()


def test_unknown_fields_are_flagged_not_rejected() -> None:
    ev = with_(ab_flag=True, payload={**BASE["payload"], "sort": "price"})
    assert check(ev) == ("ab_flag", "payload.sort")


def test_reasons_and_pointers() -> None:
    cases = {
        "too_large": (with_(payload={**BASE["payload"], "blob": "x" * 70_000}), ""),
        "not_an_object": ([1, 2], ""),
        "unknown_event": (with_(event_name="foo.bar"), "/event_name"),
        "unknown_version": (with_(event_version=7), "/event_version"),
        "bad_timestamp": (with_(event_ts="2026-10-05 14:03:11"), "/event_ts"),
        "pii_detected": (with_(user_id="jane.doe@example.com"), "/user_id"),
    }
    for reason, (event, pointer) in cases.items():
        verdict = check(event)
        assert isinstance(verdict, Rejection) and (verdict.reason, verdict.pointer) == (
            reason,
            pointer,
        ), reason


def test_schema_violations_point_at_the_field() -> None:
    cases = [
        (with_(payload={**BASE["payload"], "results_count": "12"}), "/payload/results_count"),
        (with_(payload={k: v for k, v in BASE["payload"].items() if k != "city"}), "/payload/city"),
        (with_(country="PRT"), "/country"),
        (with_(event_id="evt_123"), "/event_id"),
        (with_(anon_id=...), "/anon_id"),  # required unless source = server
        (with_(event_ts=...), "/event_ts"),
        (with_(consent={"analytics": True}), "/consent/marketing"),
    ]
    for event, pointer in cases:
        verdict = check(event)
        assert isinstance(verdict, Rejection), pointer
        assert (verdict.reason, verdict.pointer) == ("schema_violation", pointer)


def test_server_events_need_no_anon_id() -> None:
    assert check(with_(source="server", anon_id=..., user_id="u_1")) == ()


def test_integer_fields_follow_json_schema_not_python() -> None:
    # Draft 2020-12: 12.0 is an integer; true is not.
    assert check(with_(payload={**BASE["payload"], "results_count": 12.0})) == ()
    verdict = check(with_(payload={**BASE["payload"], "results_count": True}))
    assert isinstance(verdict, Rejection) and verdict.pointer == "/payload/results_count"


def test_future_skew_rule_uses_arrival_time() -> None:
    ev = with_(event_ts="2026-10-06T00:00:00Z")  # 1_791_244_800
    limits = IngestLimits(max_future_skew_s=3600)
    v = Validator(limits=limits)
    assert v.check(ev, 100, now=1_791_244_800 - 3600) == ()
    verdict = v.check(ev, 100, now=1_791_244_800 - 3601)
    assert isinstance(verdict, Rejection) and verdict.reason == "bad_timestamp"


def test_rfc3339_parsing() -> None:
    assert parse_event_ts("2026-10-05T14:03:11.250Z") is not None
    assert parse_event_ts("2026-10-05t14:03:11+02:00") is not None
    for bad in [
        "2026-10-05 14:03:11Z",
        "2026-10-05T14:03:11",
        "2026-13-01T00:00:00Z",
        "yesterday",
        "20261005T140311Z",
        "2026-10-05T14:03:11,25Z",
    ]:
        assert parse_event_ts(bad) is None, bad


# -- compiled predicate == reference validator, on fuzzed variations of valid events --

_POOL = valid_examples()
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(["", "PT", "ct_abcdef12", "web", "server", "evt_01JBQ2Z8X4K9M3N5P7R8S0T1V2", "x" * 300]),
)  # fmt: skip
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    ev = copy.deepcopy(draw(st.sampled_from(_POOL)))
    for _ in range(draw(st.integers(1, 3))):
        target = (
            ev if draw(st.booleans()) or not isinstance(ev.get("payload"), dict) else ev["payload"]
        )
        keys = list(target)
        action = draw(st.sampled_from(["drop", "set", "add"]))
        if action == "drop" and keys:
            target.pop(draw(st.sampled_from(keys)))
        elif action == "set" and keys:
            target[draw(st.sampled_from(keys))] = draw(_values)
        else:
            target[draw(st.text(min_size=1, max_size=6))] = draw(_values)
    return ev


_REG = default_registry()
# The C node trees (lakehouse/ingest/_accept.c) of the same schemas; an ImportError here
# means the extension was not built (`pip install -e .`), which is a failure, not a skip.
_NATIVE = {c.key: _accept.Schema(node_spec(c.schema, c.key)) for c in _REG.all()}


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_events())
def test_compiled_predicates_agree_with_jsonschema(event: dict[str, Any]) -> None:
    env = _REG.envelope
    expected = env.validator.is_valid(event)
    assert env.check(event) == expected
    assert _NATIVE[env.key](event) == expected
    name, version = event.get("event_name"), event.get("event_version")
    contract = (
        _REG.events.get((name, version)) if isinstance(name, str) and type(version) is int else None
    )
    if contract is not None and isinstance(event.get("payload"), dict):
        expected = contract.validator.is_valid(event["payload"])
        assert contract.check(event["payload"]) == expected
        assert _NATIVE[contract.key](event["payload"]) == expected


# Enum/const cases no registry schema uses yet, each decided by hand: JSON Schema's equality
# keeps true apart from 1 inside arrays and objects too, and null must be in the enum even
# when the type allows it. Python's `[1] == [True]` and a null short-cut got both wrong.
_ENUM_CASES = [
    ({"enum": [[1]]}, [True], False),
    ({"enum": [[1]]}, [1.0], True),
    ({"const": {"a": 0}}, {"a": False}, False),
    ({"const": {"a": 0}}, {"a": 0}, True),
    ({"type": ["string", "null"], "enum": ["a", "b"]}, None, False),
    ({"type": ["string", "null"], "enum": ["a", "b", None]}, None, True),
    ({"type": ["string", "null"], "enum": ["a", "b"]}, "a", True),
    ({"type": ["string", "null"], "enum": ["a", "b"]}, "c", False),
]


def test_enum_and_const_use_json_equality_in_every_path() -> None:
    import jsonschema

    from lakehouse.ingest.schema_compile import compile_schema

    for schema, value, valid in _ENUM_CASES:
        wrapped = {"type": "object", "properties": {"v": schema}}
        event = {"v": value}
        assert jsonschema.Draft202012Validator(wrapped).is_valid(event) is valid, schema
        assert compile_schema(wrapped)(event) is valid, (schema, value)
        assert _accept.Schema(node_spec(wrapped))(event) is valid, (schema, value)
