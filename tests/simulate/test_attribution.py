"""Planted order channels equal a literal reading of SPEC §4, and every rule matters."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from lakehouse.simulate.scenarios import EXPECTED_CHANNEL
from tests.simulate.replay import Replay, attribute


@pytest.fixture(scope="module")
def recomputed(replay: Replay) -> tuple[dict[str, str], set[str]]:
    return attribute(replay)


def test_order_channels_match_an_independent_reading(
    truth: dict[str, Any], recomputed: tuple[dict[str, str], set[str]]
) -> None:
    channels, invalid = recomputed
    assert channels == truth["order_channel"]
    assert dict(Counter(channels.values())) == truth["orders_by_channel"]
    assert len(invalid) == truth["fraud_invalid_touches"] > 0
    assert "direct" in truth["orders_by_channel"] and len(truth["orders_by_channel"]) >= 6


def test_every_scripted_scenario_is_planted_with_its_expected_channel(
    truth: dict[str, Any],
) -> None:
    scenarios = truth["attribution_scenarios"]
    assert set(scenarios) == set(EXPECTED_CHANNEL)
    for name, order_ids in scenarios.items():
        assert len(order_ids) >= 2, name
        for order_id in order_ids:
            assert truth["order_channel"][order_id] == EXPECTED_CHANNEL[name], (name, order_id)


@pytest.mark.parametrize(
    "rule_off",
    [
        {"lookback_days": 10_000},  # ignoring the 7-day lookback
        {"burst_max": 10_000},  # ignoring the fraud filter
        {"stitch": False},  # ignoring pre-login touches on stitched devices
        {"token_first": False},  # ignoring click_token precedence
    ],
)
def test_each_rule_changes_some_orders(
    replay: Replay, truth: dict[str, Any], rule_off: dict[str, Any]
) -> None:
    channels, _ = attribute(replay, **rule_off)
    assert channels != truth["order_channel"]


def test_fraud_bursts_cover_invalid_valid_and_split_cases(truth: dict[str, Any]) -> None:
    bursts = truth["fraud_bursts"]
    invalid = [b for b in bursts if b["invalid"]]
    assert invalid and all(6 <= b["touches"] <= 15 for b in invalid)
    assert any(b["touches"] == 5 and not b["invalid"] for b in bursts)
    by_device = Counter(b["device_id"] for b in bursts)
    assert any(n >= 2 for n in by_device.values())  # a gap split one device's clicks in two
    assert all(b["invalid"] == (b["touches"] > 5) for b in bursts)
