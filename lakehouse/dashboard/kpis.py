"""KPI page queries: headline numbers for a period and the one before it (DASH)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb


@dataclass(frozen=True)
class Headline:
    """One period's marketplace KPIs in one currency."""

    orders: int
    gmv_cents: int
    take_rate: float | None
    sessions: int
    conversion: float | None  # sessions reaching checkout.complete ÷ sessions
    refund_rate: float | None  # refunded orders ÷ orders (cohort: by order day)
    dispute_rate: float | None  # disputed orders ÷ orders (cohort: by order day)


def data_range(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """First and last order day in Gold; None before the first order."""
    row = con.execute("select min(order_dt), max(order_dt) from kpi_gmv_daily").fetchone()
    return (row[0], row[1]) if row and row[0] is not None else None


def currencies(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Currencies by number of orders, most first (ties alphabetical, so the default is stable)."""
    rows = con.execute(
        "select currency from kpi_gmv_daily group by 1 order by sum(n_orders) desc, 1"
    ).fetchall()
    return [r[0] for r in rows]


def headline(con: duckdb.DuckDBPyConnection, start: date, end: date, currency: str) -> Headline:
    """KPIs for order/session days in [start, end] (inclusive)."""
    gmv = con.execute(
        """
        select coalesce(sum(n_orders), 0), coalesce(sum(gmv_cents), 0)
        from kpi_gmv_daily where order_dt between ? and ? and currency = ?
        """,
        [start, end, currency],
    ).fetchone()
    take = con.execute(
        """
        select sum(settled_take_cents)::double / nullif(sum(settled_gmv_cents), 0)
        from kpi_take_rate where order_dt between ? and ? and currency = ?
        """,
        [start, end, currency],
    ).fetchone()
    funnel = con.execute(
        """
        select coalesce(sum(n_sessions), 0), coalesce(sum(n_reached_checkout_complete), 0)
        from kpi_conversion_funnel where session_dt between ? and ?
        """,
        [start, end],
    ).fetchone()
    issues = con.execute(
        """
        select sum(r.n_refunded_orders)::double / nullif(sum(r.n_orders), 0),
               sum(d.n_disputed_orders)::double / nullif(sum(d.n_orders), 0)
        from kpi_refunds r
        join kpi_disputes d using (order_dt, city_id, currency)
        where r.order_dt between ? and ? and r.currency = ?
        """,
        [start, end, currency],
    ).fetchone()
    assert gmv is not None and take is not None and funnel is not None and issues is not None
    sessions = int(funnel[0])
    return Headline(
        orders=int(gmv[0]),
        gmv_cents=int(gmv[1]),
        take_rate=take[0],
        sessions=sessions,
        conversion=(funnel[1] / sessions) if sessions else None,
        refund_rate=issues[0],
        dispute_rate=issues[1],
    )


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before `start`."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def gmv_by_day(
    con: duckdb.DuckDBPyConnection, start: date, end: date, currency: str
) -> list[tuple[date, int, int]]:
    """(day, orders, GMV cents) per order day in [start, end], in `currency`."""
    return con.execute(
        """
        select order_dt, sum(n_orders)::bigint, sum(gmv_cents)::bigint from kpi_gmv_daily
        where order_dt between ? and ? and currency = ? group by 1 order by 1
        """,
        [start, end, currency],
    ).fetchall()
