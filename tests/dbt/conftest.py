"""Gold built once per session from the hand-made scenario, through `lakehouse build`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from lakehouse.cli import main
from lakehouse.config import Settings, load_settings
from lakehouse.transform.query import run_query
from tests.dbt.scenario import scenario_rows
from tests.dbt.silver_fixture import write_silver

Query = Callable[[str], list[tuple[Any, ...]]]


def cli() -> click.Group:
    """`lakehouse`, whose commands include build and query."""
    return main


def invoke(home: Path, *args: str) -> Result:
    return CliRunner().invoke(cli(), ["--home", str(home), *args])


@pytest.fixture(scope="session")
def scenario_lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = load_settings(tmp_path_factory.mktemp("scenario") / "lake").ensure()
    write_silver(settings, scenario_rows())
    res = invoke(settings.home, "build")
    assert res.exit_code == 0, res.output
    return settings


@pytest.fixture(scope="session")
def gold(scenario_lake: Settings) -> Query:
    def q(sql: str) -> list[tuple[Any, ...]]:
        return run_query(scenario_lake, sql).rows

    return q
