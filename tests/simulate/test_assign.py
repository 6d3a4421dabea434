"""EXP-2 assignment: the SQL bucket formula, cumulative weights, kill switch, crawlers."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from lakehouse.experiments.assign import assign, bucket, cutoffs

FIFTY_FIFTY = [("control", 50.0), ("treatment", 50.0)]


@pytest.mark.parametrize(
    ("exp_id", "identity_id"),
    [
        ("checkout_cta_copy", "usr_0001"),
        ("search_ranking_aa", "anon_7f3a9c2e41b8"),
        ("x", ""),
        ("home_feed_layout", "ünïcode"),
    ],
)
def test_bucket_is_the_sql_formula(exp_id: str, identity_id: str) -> None:
    digest = hashlib.sha256(f"{exp_id}:{identity_id}".encode()).hexdigest()
    assert bucket(exp_id, identity_id) == int(digest[:8], 16) % 10000


def test_hand_checked_buckets() -> None:
    # sha256("exp:u1") starts ecaf174e → 3970897742 % 10000 = 7742
    assert hashlib.sha256(b"exp:u1").hexdigest()[:8] == "ecaf174e"
    assert bucket("exp", "u1") == 7742
    assert assign(FIFTY_FIFTY, "exp", "u1") == "treatment"  # 7742 ≥ 5000
    assert assign([("control", 80), ("treatment", 20)], "exp", "u1") == "control"  # 7742 < 8000


def test_assignment_is_deterministic_and_sticky() -> None:
    first = [assign(FIFTY_FIFTY, "e1", f"id{i}") for i in range(500)]
    assert first == [assign(FIFTY_FIFTY, "e1", f"id{i}") for i in range(500)]
    other = [assign(FIFTY_FIFTY, "e2", f"id{i}") for i in range(500)]
    assert first != other  # salted by exp_id


@pytest.mark.parametrize(
    "weights",
    [
        [("control", 50), ("treatment", 50)],
        [("a", 0.2), ("b", 0.3), ("c", 0.5)],
        [("c", 90), ("t", 10)],
    ],
)
def test_weights_are_respected_over_100k_ids(weights: list[tuple[str, float]]) -> None:
    counts = Counter(assign(weights, "weights_exp", f"user_{i}") for i in range(100_000))
    total = sum(w for _, w in weights)
    for name, w in weights:
        assert abs(counts[name] / 100_000 - w / total) < 0.01, (name, counts)


def test_cutoffs_cover_all_buckets() -> None:
    assert cutoffs([("a", 1), ("b", 1), ("c", 1)]) == [("a", 3333), ("b", 6667), ("c", 10000)]
    assert cutoffs([("only", 5)]) == [("only", 10000)]


def test_killed_and_crawlers_get_control() -> None:
    ids = [f"id{i}" for i in range(300)]
    assert any(assign(FIFTY_FIFTY, "e", i) == "treatment" for i in ids)
    assert all(assign(FIFTY_FIFTY, "e", i, status="killed") == "control" for i in ids)
    assert all(assign(FIFTY_FIFTY, "e", i, is_crawler=True) == "control" for i in ids)


def test_bad_inputs_fail_clearly() -> None:
    with pytest.raises(ValueError, match="status"):
        assign(FIFTY_FIFTY, "e", "u", status="paused")
    with pytest.raises(ValueError, match="variant"):
        assign([], "e", "u")
    with pytest.raises(ValueError, match="weights"):
        cutoffs([("a", 0), ("b", 0)])
