"""The dashboards' Gold access: a swap by os.replace gives a new snapshot, and opening it
reads the new file even while a connection to the replaced one is still open (DuckDB would
otherwise hand back its cached database for the path)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from lakehouse.config import Settings
from lakehouse.dashboard import gold
from lakehouse.errors import LakeEmptyError


def _publish(settings: Settings, value: int) -> None:
    """What `lakehouse build` does: write a working copy, then os.replace it over Gold."""
    work = settings.gold_path.with_name("gold.duckdb.building")
    con = duckdb.connect(str(work))
    con.execute(f"create table kpi as select {value} as v")
    con.close()
    os.replace(work, settings.gold_path)


def _read(con: duckdb.DuckDBPyConnection) -> int:
    row = gold.cursor(con).execute("select v from kpi").fetchone()
    assert row is not None
    return int(row[0])


def test_a_swap_is_a_new_snapshot_and_is_read_while_the_old_one_is_open(
    settings: Settings,
) -> None:
    _publish(settings, 1)
    first = gold.current(settings)
    old = gold.open_snapshot(first)
    assert _read(old) == 1
    _publish(settings, 2)  # the old connection still holds the replaced file
    second = gold.current(settings)
    assert second.key != first.key
    new = gold.open_snapshot(second)
    assert _read(new) == 2
    assert _read(old) == 1, "a page mid-render keeps its complete snapshot"


def test_snapshot_connections_are_read_only(settings: Settings) -> None:
    _publish(settings, 1)
    con = gold.connect(settings)
    with pytest.raises(duckdb.Error):
        gold.cursor(con).execute("drop table kpi")
    with pytest.raises(duckdb.Error):
        gold.cursor(con).execute(f"copy kpi to '{settings.home / 'out.csv'}'")
    assert not (settings.home / "out.csv").exists()


def test_no_gold_names_the_command_to_run(settings: Settings) -> None:
    with pytest.raises(LakeEmptyError, match="lakehouse build"):
        gold.current(settings)


def test_has_table(settings: Settings, tmp_path: Path) -> None:
    _publish(settings, 1)
    con = gold.connect(settings)
    assert gold.has_table(con, "kpi")
    assert not gold.has_table(con, "fact_experiment_result")
