"""The marketplace's reference data: dbt seed CSVs built once from a fixed seed, then read.

`build_seed_tables()` is the only place these rows are invented; the committed files under
`seeds/` are its output (`python -m lakehouse.simulate.build_seeds` rewrites them, a test checks
they have not drifted). The generator reads the CSVs through `load_world()`, so dbt and
the simulator always share one copy of the reference data.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from lakehouse.config import SEEDS_DIR
from lakehouse.errors import InputFileError

WORLD_SEED = 20261001
SPEND_START = date(2026, 10, 1)
SPEND_DAYS = 30

Row = dict[str, str]

# city_id, name, country, currency, take rate, price level, traffic weight
_CITIES: tuple[tuple[str, str, str, str, str, float, int], ...] = (
    ("ber", "Berlin", "DE", "EUR", "0.150", 1.0, 18),
    ("muc", "Munich", "DE", "EUR", "0.140", 1.2, 9),
    ("par", "Paris", "FR", "EUR", "0.160", 1.3, 16),
    ("ams", "Amsterdam", "NL", "EUR", "0.130", 1.1, 8),
    ("bcn", "Barcelona", "ES", "EUR", "0.120", 0.9, 9),
    ("lon", "London", "GB", "GBP", "0.180", 1.5, 20),
    ("man", "Manchester", "GB", "GBP", "0.150", 1.0, 7),
    ("nyc", "New York", "US", "USD", "0.170", 1.6, 13),
)

# campaign_id, utm_source, utm_medium, utm_campaign, surface, daily spend (cents, 0 = unpaid)
_CAMPAIGNS: tuple[tuple[str, str, str, str, str, int], ...] = (
    ("cmp_alert_instant", "alerts", "growth", "saved_search_instant", "alert", 0),
    ("cmp_alert_daily", "alerts", "growth", "saved_search_daily", "alert", 0),
    ("cmp_alert_price", "alerts", "growth", "price_drop", "alert", 0),
    ("cmp_digest_weekly", "digest", "growth", "weekly_digest", "digest", 0),
    ("cmp_digest_new", "digest", "growth", "new_in_your_city", "digest", 0),
    ("cmp_share_profile", "sharecard", "referral", "profile_share", "sharecard", 0),
    ("cmp_share_studio", "sharecard", "referral", "studio_share", "sharecard", 0),
    ("cmp_share_invite", "sharecard", "referral", "invite_friends", "sharecard", 0),
    ("cmp_share_whatsapp", "whatsapp", "referral", "invite_whatsapp", "sharecard", 0),
    ("cmp_mail_newsletter", "newsletter", "email", "october_newsletter", "email", 0),
    ("cmp_mail_winback", "newsletter", "email", "winback", "email", 0),
    ("cmp_mail_onboarding", "newsletter", "email", "onboarding", "email", 0),
    ("cmp_mail_seasonal", "newsletter", "email", "autumn_sessions", "email", 0),
    ("cmp_promo_top", "promo", "sponsored", "sponsored_top_slot", "promo", 4500),
    ("cmp_promo_studio", "promo", "sponsored", "sponsored_studios", "promo", 3000),
    ("cmp_promo_city", "promo", "sponsored", "sponsored_city_boost", "promo", 2500),
    ("cmp_promo_new", "promo", "sponsored", "sponsored_new_sellers", "promo", 1500),
    ("cmp_seo_city", "google", "organic", "seo_city_pages", "landing", 0),
    ("cmp_seo_category", "google", "organic", "seo_category_pages", "landing", 0),
    ("cmp_gads_brand", "google", "cpc", "brand", "paid_search", 6000),
    ("cmp_gads_generic", "google", "cpc", "generic_photographer", "paid_search", 12000),
    ("cmp_gads_studio", "google", "cpc", "studio_rental", "paid_search", 8000),
    ("cmp_bing_generic", "bing", "cpc", "generic_photographer", "paid_search", 2000),
    ("cmp_ddg_test", "duckduckgo", "cpc", "privacy_test", "paid_search", 800),
    ("cmp_fb_prospecting", "facebook", "paid_social", "prospecting", "social", 9000),
    ("cmp_fb_retargeting", "facebook", "paid_social", "retargeting", "social", 5000),
    ("cmp_ig_reels", "instagram", "paid_social", "reels_autumn", "social", 7000),
    ("cmp_tiktok_test", "tiktok", "paid_social", "creator_test", "social", 3000),
    ("cmp_aff_blogs", "partner", "affiliate", "photo_blogs", "landing", 2500),
    ("cmp_aff_cashback", "partner", "affiliate", "cashback_network", "landing", 1800),
)

# (utm_source, utm_medium) → channel group; `*` rows catch any other source of that medium.
_CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("google", "cpc", "paid_search"),
    ("bing", "cpc", "paid_search"),
    ("facebook", "paid_social", "paid_social"),
    ("instagram", "paid_social", "paid_social"),
    ("google", "organic", "organic_search"),
    ("newsletter", "email", "email"),
    ("alerts", "growth", "growth_alerts"),
    ("digest", "growth", "digest"),
    ("sharecard", "referral", "sharecard"),
    ("partner", "affiliate", "affiliate"),
    ("promo", "sponsored", "promo"),
    ("*", "cpc", "paid_search"),
    ("*", "paid_social", "paid_social"),
    ("*", "organic", "organic_search"),
    ("*", "email", "email"),
    ("*", "growth", "growth_other"),
    ("*", "referral", "referral"),
    ("*", "affiliate", "affiliate"),
    ("*", "sponsored", "promo"),
)

_STUDIO_WORDS = (
    "North",
    "Lumen",
    "Atlas",
    "Harbor",
    "Prism",
    "Ember",
    "Cedar",
    "Nova",
    "Echo",
    "Vale",
    "Orbit",
    "Juniper",
    "Slate",
    "Aurora",
    "Copper",
)
_STUDIO_KINDS = ("Studio", "Loft", "Works", "Space", "Rooms", "House")
_HANDLE_A = (
    "Amber",
    "Bright",
    "Calm",
    "Daring",
    "Golden",
    "Hidden",
    "Indigo",
    "Lucky",
    "Misty",
    "Quiet",
    "Silver",
    "Velvet",
    "Wild",
    "Young",
    "Zesty",
)
_HANDLE_B = (
    "Lens",
    "Frame",
    "Shutter",
    "Canvas",
    "Light",
    "Focus",
    "Aperture",
    "Grain",
    "Tone",
    "Story",
    "Motion",
    "Studio",
)

STUDIOS_PER_CITY = 19  # ≈150 studios
PROFILES_PER_CITY = 188  # ≈1500 profiles


# Fixed reporting rates: campaign spend is in EUR, so ROAS converts order revenue to EUR.
_EUR_PER_UNIT = (("EUR", "1.000000"), ("GBP", "1.170000"), ("USD", "0.920000"))


def build_seed_tables(seed: int = WORLD_SEED) -> dict[str, list[Row]]:
    """Every seed table as rows of strings, in file order. Pure function of `seed`."""
    rng = random.Random(seed)
    cities = [
        {"city_id": cid, "city_name": name, "country": country, "take_rate": take, "currency": cur}
        for cid, name, country, cur, take, _, _ in _CITIES
    ]
    studios: list[Row] = []
    profiles: list[Row] = []
    for cid, name, _, _, _, level, _ in _CITIES:
        city_studios = []
        for i in range(STUDIOS_PER_CITY):
            sid = f"stu_{cid}_{i + 1:03d}"
            city_studios.append(sid)
            label = f"{rng.choice(_STUDIO_WORDS)} {rng.choice(_STUDIO_KINDS)} {name}"
            studios.append({"studio_id": sid, "city_id": cid, "studio_name": label})
        for i in range(PROFILES_PER_CITY):
            studio = rng.choice(city_studios) if rng.random() < 0.6 else ""
            base = int(rng.lognormvariate(9.0, 0.45) * level) // 100 * 100  # ≈ €80 median
            profiles.append(
                {
                    "profile_id": f"pro_{cid}_{i + 1:04d}",
                    "city_id": cid,
                    "studio_id": studio,
                    "display_name": f"{rng.choice(_HANDLE_A)} {rng.choice(_HANDLE_B)} {rng.randrange(10, 99)}",
                    "base_price_cents": str(max(2500, min(base, 60000))),
                }
            )
    campaigns = [
        {"campaign_id": c, "utm_source": s, "utm_medium": m, "utm_campaign": n, "surface": surf}
        for c, s, m, n, surf, _ in _CAMPAIGNS
    ]
    channels = [{"utm_source": s, "utm_medium": m, "channel_group": g} for s, m, g in _CHANNELS]
    spend: list[Row] = []
    for c, _, _, _, _, daily in _CAMPAIGNS:
        if daily == 0:
            continue
        for d in range(SPEND_DAYS):
            day = SPEND_START + timedelta(days=d)
            spend.append(
                {
                    "campaign_id": c,
                    "spend_dt": day.isoformat(),
                    "spend_cents": str(int(daily * rng.uniform(0.7, 1.3))),
                }
            )
    return {
        "cities": cities,
        "studios": studios,
        "profiles": profiles,
        "campaigns": campaigns,
        "channel_mapping": channels,
        "campaign_spend": spend,
        "fx_rates": [{"currency": cur, "eur_per_unit": rate} for cur, rate in _EUR_PER_UNIT],
    }


def write_seed_tables(out_dir: Path = SEEDS_DIR) -> list[Path]:
    """(Re)write the seed CSVs; byte-identical on every run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in build_seed_tables().items():
        path = out_dir / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    return written


@dataclass(frozen=True)
class City:
    city_id: str
    name: str
    country: str
    currency: str
    take_rate: float
    weight: int


@dataclass(frozen=True)
class Profile:
    profile_id: str
    city_id: str
    studio_id: str | None
    base_price_cents: int


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    surface: str


@dataclass
class World:
    """Reference data the generator draws from, indexed the ways it needs."""

    cities: list[City]
    profiles_by_city: dict[str, list[Profile]]
    campaigns_by_surface: dict[str, list[Campaign]]
    channel_map: dict[tuple[str, str], str] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    currency: dict[str, str] = field(default_factory=dict)  # city_id → ISO currency

    def __post_init__(self) -> None:
        self.campaigns = {c.campaign_id: c for cs in self.campaigns_by_surface.values() for c in cs}
        self.currency = {c.city_id: c.currency for c in self.cities}

    def channel(self, utm_source: str | None, utm_medium: str | None) -> str:
        """Channel group of a touch: exact (source, medium) row, else the medium's `*` row."""
        if utm_medium is None:
            return "direct"
        hit = self.channel_map.get((utm_source or "", utm_medium))
        if hit is None:
            hit = self.channel_map.get(("*", utm_medium), "other")
        return hit


def _read(path: Path, required: Sequence[str]) -> list[Row]:
    if not path.is_file():
        raise InputFileError(
            f"seed file {path} is missing; run `python -m lakehouse.simulate.build_seeds` to rebuild seeds/."
        )
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    missing = [c for c in required if rows and c not in rows[0]]
    if not rows or missing:
        raise InputFileError(
            f"seed file {path} is empty or lacks columns {missing}; rebuild it with `python -m lakehouse.simulate.build_seeds`."
        )
    return rows


# Traffic weights are behaviour, not reference data, so they stay in code.
_CITY_WEIGHT = {cid: w for cid, *_rest, w in _CITIES}


def load_world(seeds_dir: Path = SEEDS_DIR) -> World:
    """Read the seed CSVs into a `World`."""
    cities = [
        City(
            r["city_id"],
            r["city_name"],
            r["country"],
            r["currency"],
            float(r["take_rate"]),
            _CITY_WEIGHT.get(r["city_id"], 5),
        )
        for r in _read(
            seeds_dir / "cities.csv", ("city_id", "city_name", "country", "take_rate", "currency")
        )
    ]
    by_city: dict[str, list[Profile]] = {c.city_id: [] for c in cities}
    for r in _read(
        seeds_dir / "profiles.csv", ("profile_id", "city_id", "studio_id", "base_price_cents")
    ):
        by_city.setdefault(r["city_id"], []).append(
            Profile(
                r["profile_id"], r["city_id"], r["studio_id"] or None, int(r["base_price_cents"])
            )
        )
    by_surface: dict[str, list[Campaign]] = {}
    for r in _read(
        seeds_dir / "campaigns.csv",
        ("campaign_id", "utm_source", "utm_medium", "utm_campaign", "surface"),
    ):
        by_surface.setdefault(r["surface"], []).append(
            Campaign(
                r["campaign_id"], r["utm_source"], r["utm_medium"], r["utm_campaign"], r["surface"]
            )
        )
    channel_map = {
        (r["utm_source"], r["utm_medium"]): r["channel_group"]
        for r in _read(
            seeds_dir / "channel_mapping.csv", ("utm_source", "utm_medium", "channel_group")
        )
    }
    return World(cities, by_city, by_surface, channel_map)
