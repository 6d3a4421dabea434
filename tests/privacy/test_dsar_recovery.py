"""A DSAR that fails half-way is audited as unfinished, and running it again finishes it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from lakehouse.config import Settings
from lakehouse.errors import PipelineError
from lakehouse.ingest.loader import load_files
from lakehouse.privacy import audit, goldpurge
from lakehouse.privacy.dsar import delete_user
from lakehouse.silver.refine import refine


def _fail(_settings: Settings, run_tests: bool = False) -> bool:
    raise PipelineError("dbt build failed (simulated)")


def test_a_failed_dsar_is_audited_and_a_rerun_completes(
    settings: Settings,
    make_events: Callable[[int], list[dict[str, Any]]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events = make_events(60)
    for n, ev in enumerate(events):
        ev["user_id"] = "usr_dsar_victim" if n % 3 == 0 else "usr_someone_else"
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    load_files(settings, [path])
    refine(settings)

    monkeypatch.setattr(goldpurge, "rebuild", _fail)
    with pytest.raises(PipelineError, match="simulated"):
        delete_user(settings, "usr_dsar_victim")
    (failed,) = audit.verify(settings)
    assert failed.action == "dsar.delete.failed"
    assert failed.details["steps_done"] == ["resolve", "bronze+dlq", "silver"]

    monkeypatch.undo()
    history = settings.state_dir / "shell_history"
    history.write_text(
        "select count(*) from fact_orders\n"
        "select * from fact_events where user_id = 'usr_dsar_victim'\n"
    )
    report = delete_user(settings, "usr_dsar_victim")
    assert report.scan.clean
    assert history.read_text() == "select count(*) from fact_orders\n"
    assert report.history_lines_dropped == 1
    assert [e.action for e in audit.verify(settings)] == ["dsar.delete.failed", "dsar.delete"]
    for p in settings.home.rglob("*"):
        if p.is_file():
            assert b"usr_dsar_victim" not in p.read_bytes(), p
