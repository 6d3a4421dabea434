"""App tests read two Golds: the hand-made scenario of tests/dbt (small enough to check by
hand) and one generated lake with experiments analyzed (the project's one generator), for
the pages the scenario cannot fill (ROAS with spend, experiment results)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lakehouse.config import Settings, load_settings
from lakehouse.experiments.pipeline import analyze
from lakehouse.ingest.loader import load_files
from lakehouse.silver.refine import refine
from lakehouse.simulate import generate
from lakehouse.transform.query import run_query
from lakehouse.transform.runner import build
from tests.conftest import ROOT
from tests.dbt.conftest import Query, gold, scenario_lake  # noqa: F401  (pytest fixtures)

EVENTS = 20_000
SEED = 11
# Data tests run in tests/dbt; here Gold only has to exist.
SKIP_TESTS = "resource_type:test resource_type:unit_test"
PAGES = ROOT / "app_pages"


def build_generated_lake(home: Path, events: int = EVENTS, seed: int = SEED) -> Settings:
    """generate → load → refine → build → analyze, as `make demo` does (without HTTP)."""
    settings = load_settings(home).ensure()
    out = home.parent / "events.ndjson"
    generate(events, seed, out, start=date(2026, 10, 1), days=14)
    load_files(settings, [out])
    refine(settings)
    build(settings, full_refresh=True, exclude=SKIP_TESTS)
    analyze(settings)
    return settings


@pytest.fixture(scope="session")
def generated_lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build_generated_lake(tmp_path_factory.mktemp("generated") / "lake")


@pytest.fixture(scope="session")
def generated_gold(generated_lake: Settings) -> Query:
    def q(sql: str) -> list[tuple[Any, ...]]:
        return run_query(generated_lake, sql).rows

    return q


@pytest.fixture
def open_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, Settings], AppTest]]:
    """`open_page("funnel", lake)`: the page run once over that lake's Gold, no exception."""

    def run(name: str, lake: Settings) -> AppTest:
        monkeypatch.setenv("LAKEHOUSE_HOME", str(lake.home))
        at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        return at

    yield run
