"""Every planted fact of one generated file: `Truth`, written beside it as `<out>.truth.json`.

Counts are over *valid, unique* events (bad lines and duplicate deliveries excluded)
unless a key says otherwise; days are UTC `event_ts` dates. Tests and Gold checks key
on these names, so renaming one is a breaking change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

REJECT_REASONS = (
    "invalid_json",
    "not_an_object",
    "unknown_event",
    "unknown_version",
    "schema_violation",
    "bad_timestamp",
    "too_large",
    "pii_detected",
)


@dataclass
class ExperimentTruth:
    """Planted design and outcome of one experiment; identities are stitched identities."""

    planted_relative_lift: float  # applied to P(checkout.complete | checkout.start) after exposure
    srm_planted: bool  # treatment exposures silently dropped
    srm_drop_rate: float  # share of treatment identities whose exp.view never fires
    design_weights: dict[str, float]
    expected_exposures_by_variant: dict[str, int]  # identities that rendered the surface
    exposures_by_variant: dict[str, int]  # identities with ≥1 exp.view in the file
    exposure_events_by_variant: dict[str, int]  # exp.view events (first render per session)
    conversions_by_variant: dict[
        str, int
    ]  # exposed identities with a checkout.complete after first exposure
    orders_after_exposure_by_variant: dict[str, int]
    surface: str
    primary_metric: str


@dataclass
class Truth:
    """The planted facts; `to_json()` is exactly what `<out>.truth.json` holds."""

    seed: int
    events_requested: int
    start: str  # YYYY-MM-DD, first UTC day of the window
    days: int
    lines_written: int  # every line of the file: valid, duplicate and bad
    valid_events: int  # unique valid event_ids
    valid_deliveries: int  # valid lines including duplicate deliveries
    duplicate_deliveries: int  # extra copies (identical line again, later in the file)
    rejected_lines: int  # sum of rejected_by_reason
    rejected_by_reason: dict[str, int]
    events_by_name: dict[str, int]
    events_by_day: dict[str, int]
    offset_timestamp_events: int  # valid events stamped with a non-Z offset (same instant)
    late_events: int  # delivered after events ≥2 days newer
    late_events_by_day: dict[str, int]  # event_dt of those late events
    unknown_field_events: int  # valid events carrying an undeclared envelope or payload field
    users: int  # distinct user_id over valid events (buyers, active sellers, payout-only sellers)
    buyers: int  # buyer accounts that emitted events
    sellers: int  # seller accounts that emitted client events
    anon_only_visitors: int  # distinct anon_id never seen with a user_id (incl. bot devices)
    multi_device_users: list[str]  # user_ids seen logged in on two anon_ids/devices
    consent_off_users: list[str]  # user_ids whose events carry consent.analytics = false
    sessions_planted: int  # distinct client session_id over valid events
    funnel_sessions: dict[str, int]  # client sessions reaching each FUN-1 step in order
    orders: int  # unique checkout.complete
    gmv_cents: int  # Σ amount_cents of those orders (all currencies added as-is)
    gmv_cents_by_day: dict[str, int]
    orders_by_day: dict[str, int]
    refunds: int  # order.refunded events
    refunded_cents: int
    disputes_opened: int
    disputes_lost: int  # dispute.closed with outcome = lost
    payouts: int
    payout_cents: int
    orders_by_channel: dict[str, int]
    order_channel: dict[str, str]  # order_id → planted last-non-direct channel (SPEC §4)
    attribution_scenarios: dict[str, list[str]]  # scripted rule cases → their order_ids
    fraud_bursts: list[dict[str, Any]]  # device × utm_campaign bursts of ≥3 touches
    fraud_invalid_touches: int  # touches discarded by the burst rule
    referrals: dict[str, int]  # signups, qualified, clawbacks
    experiments: dict[str, ExperimentTruth] = field(default_factory=dict)
    # users, anon_only_visitors, multi_device_users, sessions, funnel_sessions as Gold can
    # see them: consent-off events reach Silver without identifiers (PRIV-2), so their
    # people only appear through their consent.update (which keeps user and anon id).
    identified: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"

    def write(self, path: Path) -> None:
        path.write_bytes(self.to_json())


def truth_path(out: Path) -> Path:
    """Where the truth file of `out` lives: `<out>.truth.json`."""
    return out.with_name(out.name + ".truth.json")


def load_truth(path: Path) -> dict[str, Any]:
    """A truth file as plain JSON (tests and fixtures read it this way)."""
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return data
