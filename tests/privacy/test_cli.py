"""The privacy commands as a user runs them: dsar delete, audit verify, retention apply."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner

from lakehouse.cli import main
from lakehouse.config import Settings
from lakehouse.ingest.loader import load_files
from lakehouse.privacy import audit
from lakehouse.silver.refine import refine


def _lake(settings: Settings, events: list[dict[str, Any]], tmp_path: Path) -> None:
    for n, ev in enumerate(events):
        ev["user_id"] = "usr_cli_gone" if n < 5 else "usr_cli_stays"
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    load_files(settings, [path])
    refine(settings)


def test_dsar_then_audit_verify_then_tamper(
    settings: Settings, make_events: Callable[[int], list[dict[str, Any]]], tmp_path: Path
) -> None:
    _lake(settings, make_events(20), tmp_path)
    run = CliRunner()
    home = ["--home", str(settings.home)]
    dry = run.invoke(main, [*home, "dsar", "delete", "--user-id", "usr_cli_gone", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "silver: would remove 5 row(s)" in dry.output
    res = run.invoke(main, [*home, "dsar", "delete", "--user-id", "usr_cli_gone"])
    assert res.exit_code == 0, res.output
    assert "silver: removed 5 row(s)" in res.output
    assert "0 occurrences" in res.output
    assert "audit log" in run.invoke(main, [*home, "audit", "verify"]).output

    log = audit.log_path(settings)
    log.write_bytes(log.read_bytes().replace(b'"rows_dropped":5', b'"rows_dropped":0'))
    bad = run.invoke(main, [*home, "audit", "verify"])
    assert bad.exit_code == 1
    assert "line 1 (dsar.delete) does not match its hash" in bad.output


def test_retention_dry_run_names_nothing_on_a_fresh_lake(
    settings: Settings, make_events: Callable[[int], list[dict[str, Any]]], tmp_path: Path
) -> None:
    _lake(settings, make_events(5), tmp_path)
    res = CliRunner().invoke(
        main, ["--home", str(settings.home), "retention", "apply", "--dry-run"]
    )
    assert res.exit_code == 0, res.output
    assert "raw:    would drop 0 file(s) in 0 partition(s)" in res.output
