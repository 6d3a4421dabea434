"""OBS-1: every stage run is one line in the run log, ok or failed, on the pipeline clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehouse.clock import NOW_ENV, utcnow
from lakehouse.config import Settings
from lakehouse.errors import ConfigError, LakeEmptyError
from lakehouse.ingest.loader import load_files
from lakehouse.observability.runlog import read_runs, record_run, runs_path
from lakehouse.transform.runner import build


def test_record_run_appends_ok_with_rows(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(NOW_ENV, "2026-11-02T08:10:00Z")
    with record_run(settings, "analyze") as run:
        run.rows_in, run.rows_out = 120, 4
    (line,) = read_runs(settings)
    assert (line["stage"], line["status"], line["rows_in"], line["rows_out"]) == (
        "analyze",
        "ok",
        120,
        4,
    )
    assert line["started_at"] == "2026-11-02T08:10:00.000000Z"
    assert line["run_id"].startswith("run_")


def test_a_failing_stage_is_recorded_failed_and_still_raises(settings: Settings) -> None:
    with pytest.raises(RuntimeError, match="disk on fire"), record_run(settings, "refine"):
        raise RuntimeError("disk on fire")
    (line,) = read_runs(settings)
    assert (line["status"], line["error"]) == ("failed", "disk on fire")


def test_unknown_stage_is_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="stage 'deploy'"), record_run(settings, "deploy"):
        pass


def test_load_records_lines_in_and_accepted_out(settings: Settings, tmp_path: Path) -> None:
    src = tmp_path / "in.ndjson"
    src.write_bytes(b'{"event_id": "x"}\nnot json\n')  # both are dead-lettered
    load_files(settings, [src])
    (line,) = read_runs(settings)
    assert (line["stage"], line["rows_in"], line["rows_out"], line["status"]) == (
        "load",
        2,
        0,
        "ok",
    )


def test_a_build_with_empty_silver_is_a_failed_build_run(settings: Settings) -> None:
    with pytest.raises(LakeEmptyError):
        build(settings)
    (line,) = read_runs(settings)
    assert (line["stage"], line["status"]) == ("build", "failed")
    assert "Silver is empty" in line["error"]


def test_a_torn_last_line_is_skipped(settings: Settings) -> None:
    with record_run(settings, "load"):
        pass
    with runs_path(settings).open("ab") as fh:
        fh.write(b'{"run_id": "run_torn", "sta')  # a crash mid-append
    assert [r["stage"] for r in read_runs(settings)] == ["load"]


def test_frozen_clock_must_be_rfc3339(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_ENV, "tuesday")
    with pytest.raises(ConfigError, match="LAKEHOUSE_NOW='tuesday' is not an RFC 3339 time"):
        utcnow()
