"""The committed seed CSVs are the world builder's output, and the generator reads them."""

from __future__ import annotations

import csv

from lakehouse.config import SEEDS_DIR
from lakehouse.simulate.world import build_seed_tables, load_world


def _read(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_committed_seeds_have_not_drifted() -> None:
    for name, rows in build_seed_tables().items():
        assert _read(name) == rows, (
            f"seeds/{name}.csv differs: run python -m lakehouse.simulate.build_seeds"
        )


def test_world_shape() -> None:
    cities = _read("cities")
    assert len(cities) == 8 and len({c["country"] for c in cities}) >= 3
    assert all(0.12 <= float(c["take_rate"]) <= 0.18 for c in cities)
    assert 140 <= len(_read("studios")) <= 160
    profiles = _read("profiles")
    assert 1400 <= len(profiles) <= 1600
    assert any(p["studio_id"] == "" for p in profiles) and any(p["studio_id"] for p in profiles)
    studios = {s["studio_id"] for s in _read("studios")}
    assert {p["studio_id"] for p in profiles if p["studio_id"]} <= studios
    assert not any("@" in v for p in profiles for v in p.values())  # no PII
    assert 25 <= len(_read("campaigns")) <= 35


def test_every_campaign_maps_to_a_channel() -> None:
    world = load_world()
    mapping = _read("channel_mapping")
    assert any(r["utm_source"] == "*" for r in mapping)
    for c in _read("campaigns"):
        assert world.channel(c["utm_source"], c["utm_medium"]) != "other", c
    assert world.channel("duckduckgo", "cpc") == "paid_search"  # via the `*` row
    assert world.channel("google", "cpc") == "paid_search"
    assert world.channel(None, None) == "direct"


def test_spend_covers_paid_campaigns_only() -> None:
    spend = _read("campaign_spend")
    paid = {r["campaign_id"] for r in spend}
    surfaces = {c["campaign_id"]: c["surface"] for c in _read("campaigns")}
    assert paid and all(surfaces[c] in {"promo", "paid_search", "social", "landing"} for c in paid)
    assert len({r["spend_dt"] for r in spend}) == 30
