"""Canonical metrics for the workbench, defined over the KPI marts.

A stop-gap until the metrics layer exists: each metric names the KPI mart it is summed
from, the day column, and a numerator (plus a denominator for rates, so a rate is always
a ratio of sums, never an average of daily rates). Money is kept per currency because
cents of different currencies never add up.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    model: str  # a Gold KPI mart
    date_column: str
    numerator: str
    denominator: str | None = None  # set for rates: sum(numerator) / sum(denominator)
    by: tuple[str, ...] = ()  # dimensions kept in the answer (currency for money)
    description: str = ""

    def sql(self) -> str:
        """One row per day (and `by` value) in [$1, $2], the value named after the metric."""
        if self.denominator is None:
            value = f"sum({self.numerator})::bigint"
        else:
            value = f"sum({self.numerator})::double / nullif(sum({self.denominator}), 0)"
        keys = ", ".join(["date", *self.by])
        dims = "".join(f", {c}" for c in self.by)
        return (
            f"select {self.date_column} as date{dims}, {value} as {self.name} "
            f"from gold.main.{self.model} where {self.date_column} between $1 and $2 "
            f"group by {keys} order by {keys}"
        )


_CUR = ("currency",)
METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("orders", "kpi_gmv_daily", "order_dt", "n_orders",
               description="Completed orders per order day."),
        Metric("gmv_cents", "kpi_gmv_daily", "order_dt", "gmv_cents", by=_CUR,
               description="Gross merchandise value (full order amounts) per order day."),
        Metric("take_cents", "kpi_take_rate", "order_dt", "take_cents", by=_CUR,
               description="GMV minus seller payouts so far, per order day."),
        Metric("take_rate", "kpi_take_rate", "order_dt", "settled_take_cents",
               "settled_gmv_cents", by=_CUR,
               description="Realized take rate of paid-out orders: settled take / settled GMV."),
        Metric("refunded_cents", "kpi_refunds", "order_dt", "refunded_cents", by=_CUR,
               description="Refunded amount, counted against the day the order was placed."),
        Metric("refund_rate", "kpi_refunds", "order_dt", "n_refunded_orders", "n_orders",
               description="Refunded orders / orders, by order day."),
        Metric("dispute_rate", "kpi_disputes", "order_dt", "n_disputed_orders", "n_orders",
               description="Disputed orders / orders, by order day."),
        Metric("sessions", "kpi_conversion_funnel", "session_dt", "n_sessions",
               description="Sessions per session start day."),
        Metric("conversion_rate", "kpi_conversion_funnel", "session_dt",
               "n_reached_checkout_complete", "n_sessions",
               description="Sessions reaching checkout.complete / sessions."),
        Metric("search_to_view_rate", "kpi_conversion_funnel", "session_dt",
               "n_reached_view", "n_reached_search",
               description="Sessions reaching a profile view / sessions that searched."),
        Metric("promo_ctr", "kpi_promo_ctr", "event_dt", "n_clicks", "n_impressions",
               description="Sponsored-slot clicks / impressions."),
    )
}  # fmt: skip
