"""Hypothesis-fuzzed request bodies never produce a 5xx, and every answer adds up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Server, valid_examples

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_events = st.sampled_from(valid_examples()).flatmap(
    lambda ev: st.dictionaries(st.sampled_from([*ev.keys(), "x"]), _json, max_size=3).map(
        lambda d: {**ev, **d}
    )
)
_bodies = st.one_of(
    st.binary(max_size=200),
    _json.map(orjson.dumps),
    st.lists(_events, max_size=8).map(orjson.dumps),
    st.lists(st.one_of(_events, _json), max_size=8).map(orjson.dumps),
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(Path(tmp_path_factory.mktemp("fuzz")) / "lake").start()
    yield srv
    srv.stop()


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=_bodies)
def test_fuzzed_bodies_never_5xx(live: Server, body: bytes) -> None:
    r = httpx.post(live.url + "/e", content=body, timeout=10)
    assert r.status_code in (200, 400, 413), r.text
    if r.status_code == 200:
        doc = orjson.loads(body)
        n = len(doc) if isinstance(doc, list) else 1
        ans = r.json()
        assert ans["accepted"] + len(ans["rejected"]) == n
    else:
        assert r.json()["error"]
