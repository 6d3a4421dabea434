"""Streamlit caching over Gold snapshots: one connection per published snapshot
(`st.cache_resource`), query results cached per snapshot and arguments (`st.cache_data`).

Every cache key carries the snapshot, so a rebuild's new Gold is read on the next rerun
and nothing computed from the old file is shown for the new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import duckdb
import streamlit as st

from lakehouse.config import load_settings
from lakehouse.dashboard import gold
from lakehouse.dashboard.gold import Snapshot

P = ParamSpec("P")
T = TypeVar("T")

# Results are keyed by snapshot and never go stale; the TTL only bounds memory.
RESULT_TTL_SECONDS = 600


@st.cache_resource(max_entries=2, show_spinner=False)
def _reader(key: str, _snapshot: Snapshot) -> duckdb.DuckDBPyConnection:
    # Two entries: a session still rendering from the previous snapshot keeps its
    # connection while new reruns open the new one; older ones are dropped (DuckDB closes
    # them, and lets go of the replaced file, once no cursor uses them).
    return gold.open_snapshot(_snapshot)


def snapshot() -> Snapshot:
    """The Gold snapshot this rerun reads (stat of the file; cheap)."""
    return gold.current(load_settings())


def cursor(snap: Snapshot) -> duckdb.DuckDBPyConnection:
    """A cursor of its own (DuckDB cursors may run in parallel threads) on `snap`."""
    return gold.cursor(_reader(snap.key, snap))


@st.cache_data(ttl=RESULT_TTL_SECONDS, show_spinner=False)
def _cached_call(
    key: str, name: str, args: tuple[object, ...], _snap: Snapshot, _fn: Callable[..., T]
) -> T:
    # `key` and `name` stand in for the unhashed `_snap` and `_fn` in the cache key.
    return _fn(cursor(_snap), *args)


def cached(
    fn: Callable[Concatenate[duckdb.DuckDBPyConnection, P], T],
) -> Callable[Concatenate[Snapshot, P], T]:
    """`fn(con, *args)` as `fn(snapshot, *args)`, its result cached per snapshot and args."""
    name = f"{fn.__module__}.{fn.__qualname__}"

    def call(snap: Snapshot, *args: P.args, **kwargs: P.kwargs) -> T:
        if kwargs:
            raise TypeError(f"{name}: pass query arguments positionally (they form the key)")
        return _cached_call(snap.key, name, tuple(args), snap, fn)

    return call
