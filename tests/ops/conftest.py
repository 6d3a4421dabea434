"""Two lakes from the same seed, run on a frozen pipeline clock (LAKEHOUSE_NOW):

- `clean_lake`: the generated file loaded at 08:10, refined 08:11, built 08:12;
- `faulted_lake`: the same file with every fault planted, on the same schedule, then
  the `lag` fault's delayed deliveries loaded at 09:10, refined 45 minutes later (09:55)
  and built at 09:56.

The clean lake must raise no alarm; the faulted one exactly the planted ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lakehouse.clock import NOW_ENV
from lakehouse.config import Settings, load_settings
from lakehouse.ingest.loader import load_files
from lakehouse.silver.refine import refine
from lakehouse.simulate import generate, load_truth, truth_path
from lakehouse.simulate.faults import FAULT_KINDS, delayed_path
from lakehouse.transform.query import run_query
from lakehouse.transform.runner import build

EVENTS = 60_000
SEED = 7
START = date(2026, 10, 1)
DAYS = 10
T0 = datetime.fromisoformat("2026-11-02T08:10:00+00:00")
NO_TESTS = "resource_type:test resource_type:unit_test"


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    old = os.environ.get(NOW_ENV)
    os.environ[NOW_ENV] = at.isoformat()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(NOW_ENV, None)
        else:
            os.environ[NOW_ENV] = old


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _lake(tmp: Path, faults: tuple[str, ...]) -> tuple[Settings, dict[str, Any], Path]:
    out = tmp / "events.ndjson"
    generate(EVENTS, SEED, out, start=START, days=DAYS, faults=faults)
    settings = load_settings(tmp / "lake").ensure()
    with frozen(at(0)):
        load_files(settings, [out])
    with frozen(at(1)):
        refine(settings)
    return settings, load_truth(truth_path(out)), out


@pytest.fixture(scope="session")
def clean_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, Any]]:
    settings, truth, _ = _lake(tmp_path_factory.mktemp("clean"), ())
    with frozen(at(2)):
        build(settings, full_refresh=True)
    return settings, truth


@pytest.fixture(scope="session")
def faulted_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, Any]]:
    settings, truth, out = _lake(tmp_path_factory.mktemp("faulted"), FAULT_KINDS)
    with frozen(at(2)):
        build(settings, full_refresh=True, exclude=NO_TESTS)
    delay = next(f for f in truth["faults"] if f["kind"] == "lag")["refine_delay_minutes"]
    with frozen(at(60)):
        load_files(settings, [delayed_path(out)])
    with frozen(at(60 + delay)):
        refine(settings)
    with frozen(at(61 + delay)):
        build(settings)  # with every data test: planted faults are alarms, not broken data
    return settings, truth


def rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    return run_query(settings, sql).rows
