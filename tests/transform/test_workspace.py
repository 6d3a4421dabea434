"""The working copy of Gold: made in the background, awaited before use, never swapped
in when the copy failed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lakehouse.errors import PipelineError
from lakehouse.transform import workspace
from lakehouse.transform.workspace import await_copy, gold_workspace


def _gold(path: Path, rows: int) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create table t as select range as n from range(?)", [rows])
    con.close()
    return path


def _count(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(con.execute("select count(*) from t").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def test_a_background_copy_is_whole_once_awaited_and_swapped_in(tmp_path: Path) -> None:
    gold = _gold(tmp_path / "gold.duckdb", 200_000)
    with gold_workspace(gold, background=True) as env:
        await_copy()
        work = Path(env["LAKEHOUSE_GOLD_PATH"])
        assert work.stat().st_size == gold.stat().st_size
        con = duckdb.connect(str(work))
        con.execute("insert into t values (-1)")
        con.close()
        assert _count(gold) == 200_000  # readers see the last good Gold meanwhile
    assert _count(gold) == 200_001
    assert not work.exists()


def _failing_copy(src: Path, dst: Path) -> None:
    dst.write_bytes(b"partial")
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("connects", [True, False])
def test_a_failed_copy_is_an_error_and_never_swapped_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connects: bool
) -> None:
    """Whether dbt reached its connect (the plugin's await_copy) or failed before it."""
    gold = _gold(tmp_path / "gold.duckdb", 10)
    monkeypatch.setattr(workspace, "clone_or_copy", _failing_copy)
    with pytest.raises(PipelineError, match="No space left"), gold_workspace(gold, background=True):
        if connects:
            await_copy()
    assert _count(gold) == 10
    assert not (tmp_path / "gold.duckdb.building").exists()
    await_copy()  # nothing pending after the build


def test_a_foreground_copy_is_whole_when_the_block_starts(tmp_path: Path) -> None:
    gold = _gold(tmp_path / "gold.duckdb", 1000)
    with gold_workspace(gold) as env:  # `lakehouse analyze` writes the copy at once
        assert _count(Path(env["LAKEHOUSE_GOLD_PATH"])) == 1000
    assert _count(gold) == 1000
