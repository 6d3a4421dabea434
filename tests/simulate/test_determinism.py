"""Same arguments → identical bytes and truth; another seed → another file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lakehouse.simulate import generate, truth_path
from tests.simulate.conftest import DAYS, N_EVENTS, SEED, START
from tests.simulate.replay import Replay


def test_same_arguments_give_identical_bytes(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.ndjson"
    generate(N_EVENTS, SEED, again, start=START, days=DAYS)
    assert again.read_bytes() == generated.read_bytes()
    assert truth_path(again).read_bytes() == truth_path(generated).read_bytes()
    assert not [
        p for p in tmp_path.iterdir() if p.name.startswith(".simulate-") or p.suffix == ".partial"
    ]


def test_another_seed_gives_another_file(generated: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.ndjson"
    truth = generate(N_EVENTS, SEED + 1, other, start=START, days=DAYS)
    assert other.read_bytes() != generated.read_bytes()
    assert truth.seed == SEED + 1


def test_short_window_other_start(tmp_path: Path) -> None:
    out = tmp_path / "short.ndjson"
    truth = generate(3_000, 5, out, start=date(2027, 2, 27), days=3)
    r = Replay.read(out, date(2027, 2, 27), 3)
    assert r.lines == truth.lines_written and len(r.events) == truth.valid_events
    assert list(truth.events_by_day) == ["2027-02-27", "2027-02-28", "2027-03-01"]
    assert truth.late_events == 0  # nothing is two days newer than a 3-day window's late candidates
    assert truth.attribution_scenarios.keys() <= {
        "token_beats_later_utm",
        "prelogin_touch_stitched",
        "late_login_stitched",
        "fraud_burst_excluded",
        "burst_of_five_counts",
        "split_burst_counts",
    }
    assert all(
        v == 0 for e in truth.experiments.values() for v in e.exposures_by_variant.values()
    )  # configs start 2026-10-01..2026-12-31
