"""The metrics an experiment may name (EXP-1), and the `fact_experiments` columns behind them.

Each metric is a per-identity value counted from first exposure (`<column>`) and the same
value over the 14 days before first exposure (`pre_<column>`, the CUPED covariate).
`rate` metrics are 0/1 per identity and also get the beta-binomial analysis.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    column: str  # fact_experiments column after exposure; `pre_<column>` before it
    kind: str  # rate | mean
    description: str

    @property
    def pre_column(self) -> str:
        return f"pre_{self.column}"


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "checkout_conversion",
            "converted",
            "rate",
            "identity completed a checkout (checkout.complete) after first exposure",
        ),
        Metric("gmv_per_user", "gmv_cents", "mean", "completed checkout value in cents"),
        Metric("orders_per_user", "n_orders", "mean", "completed checkouts"),
        Metric("message_rate", "messaged", "rate", "identity sent a message"),
        Metric("search_rate", "searched", "rate", "identity searched"),
        Metric(
            "search_to_view_ctr",
            "viewed_profile",
            "rate",
            "identity viewed a profile (user-level proxy for search → view click-through)",
        ),
        Metric(
            "refund_rate",
            "refunded",
            "rate",
            "identity had an order placed after exposure refunded",
        ),
        Metric(
            "dispute_rate",
            "disputed",
            "rate",
            "identity had an order placed after exposure disputed",
        ),
    )
}
