"""Cohort repeat-booking curve, in polars over the workbench API.

Buyers are grouped by the day of their first order (the cohort); for each cohort and
each day offset d, the curve is the share of its buyers whose second order came at most
d days after the first. Prints CSV (one row per cohort):

    cohort_dt,buyers,repeat_d0,repeat_d1,...

Run it on any lake (here the demo lake):
    LAKEHOUSE_HOME=.lakehouse .venv/bin/python examples/cohort_repeat_booking.py --days 7
"""

from __future__ import annotations

import argparse

import polars as pl

import lakehouse


def repeat_curve(orders: pl.DataFrame, days: int) -> pl.DataFrame:
    """Cohort curve from orders with identity_id and order_dt (see module doc)."""
    per_buyer = (
        orders.sort("ordered_at")
        .group_by("identity_id")
        .agg(
            cohort_dt=pl.col("order_dt").first(),
            second_dt=pl.col("order_dt").get(1, null_on_oob=True),
        )
        .with_columns(gap=(pl.col("second_dt") - pl.col("cohort_dt")).dt.total_days())
    )
    shares = [
        ((pl.col("gap") <= d).sum() / pl.len()).round(4).alias(f"repeat_d{d}")
        for d in range(days + 1)
    ]
    return per_buyer.group_by("cohort_dt").agg(pl.len().alias("buyers"), *shares).sort("cohort_dt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7, help="last day offset of the curve")
    args = parser.parse_args()
    with lakehouse.open() as lake:
        orders = lake.table("fact_orders").select("identity_id", "ordered_at", "order_dt")
    print(repeat_curve(orders, args.days).write_csv(), end="")


if __name__ == "__main__":
    main()
