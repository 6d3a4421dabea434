"""One 20k-event file per test session, shared by the read-only checks.

LAKEHOUSE_SIM_SEED / LAKEHOUSE_SIM_EVENTS override the file for a wider manual sweep.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lakehouse.simulate import generate, load_truth, truth_path
from tests.simulate.replay import Replay

N_EVENTS = int(os.environ.get("LAKEHOUSE_SIM_EVENTS", "20000"))
SEED = int(os.environ.get("LAKEHOUSE_SIM_SEED", "42"))
START = date(2026, 10, 1)
DAYS = 30


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("simulate") / "events.ndjson"
    generate(N_EVENTS, SEED, out, start=START, days=DAYS)
    return out


@pytest.fixture(scope="session")
def truth(generated: Path) -> dict[str, Any]:
    return load_truth(truth_path(generated))


@pytest.fixture(scope="session")
def replay(generated: Path) -> Replay:
    return Replay.read(generated, START, DAYS)
