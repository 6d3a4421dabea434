"""Attribution page queries (ATT): checkout orders by channel under last-non-direct, click
proof, the four credit models side by side, and ROAS — all over order days [start, end]."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

# Credit tables in the order the page compares them; last-non-direct is the reported one.
MODELS: tuple[str, ...] = ("last_non_direct", "first_touch", "linear", "position_based")


@dataclass(frozen=True)
class Summary:
    orders: int
    attributed: int  # orders with a qualifying touch (channel <> 'direct')
    with_click_proof: int  # attributed orders whose winning touch carried a click token
    revenue_eur_cents: int  # last-non-direct revenue of paid campaigns (kpi_roas)
    spend_eur_cents: int

    @property
    def attributed_share(self) -> float | None:
        return self.attributed / self.orders if self.orders else None

    @property
    def click_proof_share(self) -> float | None:
        return self.with_click_proof / self.attributed if self.attributed else None

    @property
    def roas(self) -> float | None:
        return self.revenue_eur_cents / self.spend_eur_cents if self.spend_eur_cents else None


# Paid campaigns: those with spend in the period. ROAS is their attributed revenue over
# their spend, including their revenue on days without spend (a click converts later).
_PAID = """
with paid as (
    select campaign_id from kpi_roas where kpi_dt between ? and ?
    group by 1 having sum(spend_eur_cents) > 0
)
"""


def data_range(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """First and last attributed order day; None before the first order."""
    row = con.execute(
        "select min(converted_dt), max(converted_dt) from fact_attribution_checkout"
    ).fetchone()
    return (row[0], row[1]) if row and row[0] is not None else None


def summary(con: duckdb.DuckDBPyConnection, start: date, end: date) -> Summary:
    orders = con.execute(
        """
        select count(*),
               count(*) filter (where channel <> 'direct'),
               count(*) filter (where channel <> 'direct' and has_click_proof)
        from fact_attribution_checkout where converted_dt between ? and ?
        """,
        [start, end],
    ).fetchone()
    money = con.execute(
        f"""
        {_PAID}
        select coalesce(sum(revenue_eur_cents), 0)::bigint, coalesce(sum(spend_eur_cents), 0)::bigint
        from kpi_roas join paid using (campaign_id) where kpi_dt between ? and ?
        """,
        [start, end, start, end],
    ).fetchone()
    assert orders is not None and money is not None
    return Summary(int(orders[0]), int(orders[1]), int(orders[2]), int(money[0]), int(money[1]))


def channel_mix(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> list[tuple[date, str, int]]:
    """(order day, channel, orders) under last-non-direct attribution."""
    return con.execute(
        """
        select converted_dt, channel, count(*) from fact_attribution_checkout
        where converted_dt between ? and ? group by 1, 2 order by 1, 2
        """,
        [start, end],
    ).fetchall()


def click_proof_by_channel(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> list[tuple[str, int, int]]:
    """(channel, orders, orders whose winning touch has a click token), most orders first."""
    return con.execute(
        """
        select channel, count(*), count(*) filter (where has_click_proof)
        from fact_attribution_checkout where converted_dt between ? and ?
        group by 1 order by 2 desc, 1
        """,
        [start, end],
    ).fetchall()


def model_comparison(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> list[tuple[str, str, float]]:
    """(channel, model, orders credited) for checkout conversions under each credit model.

    Every conversion's credits sum to 1 in every model, so each model's column adds up
    to the same number of orders and the models differ only in who gets them.
    """
    union = " union all ".join(
        f"select channel, '{m}' as model, credit from fact_attribution_credit_{m} "
        "where conversion_type = 'checkout' and converted_dt between ? and ?"
        for m in MODELS
    )
    return con.execute(
        f"select channel, model, sum(credit) from ({union}) group by 1, 2 order by 1, 2",
        [start, end] * len(MODELS),
    ).fetchall()


def roas_by_channel(
    con: duckdb.DuckDBPyConnection, start: date, end: date
) -> list[tuple[str, int, int, int, float | None]]:
    """(channel group, orders, revenue EUR cents, spend EUR cents, ROAS) of paid
    campaigns; most spend first."""
    return con.execute(
        f"""
        {_PAID}
        select channel_group, sum(n_orders)::bigint, sum(revenue_eur_cents)::bigint,
               sum(spend_eur_cents)::bigint,
               sum(revenue_eur_cents)::double / sum(spend_eur_cents)
        from kpi_roas join paid using (campaign_id) where kpi_dt between ? and ?
        group by 1 order by 4 desc, 1
        """,
        [start, end, start, end],
    ).fetchall()
