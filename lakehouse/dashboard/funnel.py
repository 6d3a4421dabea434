"""Funnel page queries: FUN-1 session steps from `kpi_conversion_funnel`, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

# (label, kpi_conversion_funnel column) in funnel order; each step counts sessions that
# reached it after every earlier step (fact_sessions enforces the order).
STEPS: tuple[tuple[str, str], ...] = (
    ("Sessions", "n_sessions"),
    ("Search", "n_reached_search"),
    ("Profile view", "n_reached_view"),
    ("Message", "n_reached_message"),
    ("Checkout start", "n_reached_checkout_start"),
    ("Checkout complete", "n_reached_checkout_complete"),
)


@dataclass(frozen=True)
class Filters:
    """A funnel slice: session days in [start, end]; an empty tuple means every value."""

    start: date
    end: date
    cities: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    name: str
    sessions: int
    from_previous: float | None  # step conversion: this step ÷ the step before
    from_first: float | None  # this step ÷ all sessions


@dataclass(frozen=True)
class Options:
    """What the filters can choose from."""

    first_day: date
    last_day: date
    cities: list[str]
    platforms: list[str]
    channels: list[str]


def options(con: duckdb.DuckDBPyConnection) -> Options | None:
    """Days and filter values present in Gold (by sessions, most first); None if empty."""
    row = con.execute(
        "select min(session_dt), max(session_dt) from kpi_conversion_funnel"
    ).fetchone()
    if row is None or row[0] is None:
        return None

    def values(column: str) -> list[str]:
        sql = f"select {column} from kpi_conversion_funnel group by 1 order by sum(n_sessions) desc, 1"
        return [r[0] for r in con.execute(sql).fetchall() if r[0] is not None]

    return Options(row[0], row[1], values("city_name"), values("platform"), values("channel"))


def _where(f: Filters) -> tuple[str, list[object]]:
    clauses: list[str] = ["session_dt between ? and ?"]
    params: list[object] = [f.start, f.end]
    for column, chosen in (
        ("city_name", f.cities),
        ("platform", f.platforms),
        ("channel", f.channels),
    ):
        if chosen:
            clauses.append(f"list_contains(?::varchar[], {column})")
            params.append(list(chosen))
    return " and ".join(clauses), params


def steps(con: duckdb.DuckDBPyConnection, f: Filters) -> list[Step]:
    """Sessions reaching each FUN-1 step in the slice, with step and overall conversion."""
    where, params = _where(f)
    sums = ", ".join(f"coalesce(sum({column}), 0)::bigint" for _, column in STEPS)
    row = con.execute(f"select {sums} from kpi_conversion_funnel where {where}", params).fetchone()
    assert row is not None
    out: list[Step] = []
    for i, (name, _) in enumerate(STEPS):
        n, before, first = int(row[i]), int(row[i - 1]) if i else None, int(row[0])
        out.append(
            Step(
                name=name,
                sessions=n,
                from_previous=(n / before) if before else None,
                from_first=(n / first) if first else None,
            )
        )
    return out


def daily_conversion(
    con: duckdb.DuckDBPyConnection, f: Filters
) -> list[tuple[date, int, float | None]]:
    """(day, sessions, sessions reaching checkout.complete ÷ sessions) per session day."""
    where, params = _where(f)
    sql = f"""
        select session_dt, sum(n_sessions)::bigint,
               sum(n_reached_checkout_complete)::double / nullif(sum(n_sessions), 0)
        from kpi_conversion_funnel where {where} group by 1 order by 1
    """
    return con.execute(sql, params).fetchall()
