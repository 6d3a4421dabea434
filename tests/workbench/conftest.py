"""A lake from the one generator (generate → load → refine → build) for the workbench tests.

The file is loaded and refined in two halves, so most days have two data files and a
one-day scan has more than one file to find (and many to skip).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.ingest.loader import load_files
from lakehouse.silver.refine import refine
from lakehouse.simulate import generate, load_truth, truth_path
from lakehouse.transform.runner import build
from lakehouse.workbench import Lake
from tests.conftest import ROOT

EVENTS = 8000
SEED = 5
START = date(2026, 10, 1)
DAYS = 8
SKIP_TESTS = "resource_type:test resource_type:unit_test"  # dbt's tests run in tests/dbt


def split_load(settings: Settings, path: Path, parts: int) -> None:
    """Load and refine `path` in `parts` consecutive slices (one refine each)."""
    lines = path.read_bytes().splitlines(keepends=True)
    size = -(-len(lines) // parts)
    for n in range(parts):
        part = path.with_name(f"{path.stem}-part{n}.ndjson")
        part.write_bytes(b"".join(lines[n * size : (n + 1) * size]))
        load_files(settings, [part])
        refine(settings)


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("wb-gen") / "events.ndjson"
    generate(EVENTS, SEED, out, start=START, days=DAYS)
    return out, load_truth(truth_path(out))


@pytest.fixture(scope="session")
def truth(generated: tuple[Path, dict[str, Any]]) -> dict[str, Any]:
    return generated[1]


@pytest.fixture(scope="session")
def wb_lake(
    generated: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    settings = load_settings(tmp_path_factory.mktemp("wb") / "lake").ensure()
    split_load(settings, generated[0], parts=2)
    build(settings, full_refresh=True, exclude=SKIP_TESTS)
    return settings


@pytest.fixture
def lake(wb_lake: Settings) -> Iterator[Lake]:
    with Lake(wb_lake) as opened:
        yield opened


def lakehouse_cli(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The real `lakehouse` command in a subprocess, on the lake at `home`."""
    env = {**os.environ, "LAKEHOUSE_HOME": str(home), "LAKEHOUSE_TARGET": "dev"}
    res = subprocess.run(
        [sys.executable, "-m", "lakehouse.cli", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if check:
        assert res.returncode == 0, res.stderr
    return res
