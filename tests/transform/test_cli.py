"""`lakehouse build` / `lakehouse query` as a user meets them: help, and clean errors."""

from __future__ import annotations

import click
import pytest

from lakehouse.config import Settings
from lakehouse.transform.cli import build, query
from tests.dbt.conftest import invoke


@pytest.mark.parametrize("command", [build, query], ids=lambda c: c.name)
def test_every_option_has_help(command: click.Command) -> None:
    assert command.help and len(command.help) > 40
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"{command.name} {param.opts} needs help"


def test_build_on_an_empty_lake(settings: Settings) -> None:
    res = invoke(settings.home, "build")
    assert res.exit_code == 1
    assert "error: Silver is empty" in res.stderr
    assert "lakehouse refine" in res.stderr
    assert "Traceback" not in res.output


def test_query_before_build(settings: Settings) -> None:
    res = invoke(settings.home, "query", "select 1")
    assert res.exit_code == 1
    assert "run `lakehouse build` first" in res.stderr


def test_query_format_choices(settings: Settings) -> None:
    res = invoke(settings.home, "query", "select 1", "--format", "xml")
    assert res.exit_code == 2
    assert "'table', 'csv', 'json'" in res.output
