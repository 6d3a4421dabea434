"""Mutable state of simulated people and devices while their events are generated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lakehouse.simulate.world import City

CONSENT_FULL: dict[str, bool] = {"analytics": True, "marketing": True}
CONSENT_NO_MARKETING: dict[str, bool] = {"analytics": True, "marketing": False}
CONSENT_OFF: dict[str, bool] = {"analytics": False, "marketing": False}


@dataclass
class Device:
    """One browser or app install: its own anon_id, device_id and login state."""

    anon_id: str
    device_id: str
    source: str  # web | app
    platform: str  # web | ios | android
    app_version: str
    logged_in: bool = False
    linked: bool = False  # has emitted an event carrying a user_id (stitched)
    used: bool = False  # has emitted any client event


@dataclass(frozen=True)
class Touch:
    """A touch event as attribution sees it (ATT-2)."""

    ts: int
    event_id: str
    device_id: str
    has_token: bool
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None


@dataclass
class Order:
    order_id: str
    ts: int
    amount_cents: int
    scenario: str | None = None


@dataclass
class Exposure:
    variant: str
    first_ts: int
    converted: bool = False


@dataclass
class Actor:
    """A buyer, seller, anonymous visitor or click bot (one identity)."""

    kind: str  # buyer | seller | visitor | bot
    user_id: str | None
    city: City
    devices: list[Device]
    consent: dict[str, bool] = field(default_factory=lambda: CONSENT_FULL)
    consent_off: bool = False
    consent_announced: bool = False
    in_experiments: bool = True
    scripted: bool = False  # an attribution scenario: only its scripted touches happen
    touches: list[Touch] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    exposures: dict[str, Exposure] = field(default_factory=dict)
    variants: dict[str, str] = field(default_factory=dict)  # assignment cache
    srm_dropped: set[str] = field(default_factory=set)
    referred_by: tuple[str, str] | None = None  # (referrer_user_id, code), planted at signup
    referral: tuple[str, str, int] | None = None  # (referrer_user_id, code, referral.signup ts)
    own_profile: Any = None  # sellers: the Profile they run
    last_ts: int = 0  # last client event, to keep sessions ≥30 min apart

    @property
    def identity_id(self) -> str:
        """Stitched identity (ID-1): the user_id when there is one, else the only anon_id."""
        return self.user_id if self.user_id is not None else self.devices[0].anon_id
