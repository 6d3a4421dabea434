"""A field added to the envelope becomes a new column of lake.events (schema
evolution): existing data files are kept as they are, old rows read it as null."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson

from lakehouse.config import SCHEMAS_DIR, Settings
from lakehouse.ingest.registry import load_registry
from lakehouse.silver.refine import refine
from lakehouse.silver.tables import load_events_table
from tests.silver.conftest import event, land, silver


def registry_with_app_build(tmp_path: Path) -> Path:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, root)
    env_path = root / "envelope" / "v1.schema.json"
    env = orjson.loads(env_path.read_bytes())
    env["properties"]["app_build"] = {"type": ["string", "null"], "description": "Client build id."}
    env_path.write_bytes(orjson.dumps(env, option=orjson.OPT_INDENT_2))
    return root


def test_new_envelope_field_adds_a_column_without_rewriting(
    settings: Settings, tmp_path: Path
) -> None:
    old = event()
    land(settings, [old])
    refine(settings)
    table = load_events_table(settings)
    assert table is not None and "app_build" not in table.schema().column_names
    files_before = {t.file.file_path for t in table.scan().plan_files()}

    # Bronze written by an ingest that did not know the field yet: it is flagged as
    # unknown there, but declared in the registry refine now uses.
    new = event(app_build="4.12.1+88")
    land(settings, [new])
    result = refine(settings, registry=load_registry(registry_with_app_build(tmp_path)))
    assert result.added_columns == ["app_build"]
    table = load_events_table(settings)
    assert table is not None
    assert table.schema().column_names[-1] == "app_build"
    assert files_before <= {
        t.file.file_path for t in table.scan().plan_files()
    }  # nothing rewritten

    rows = {r["event_id"]: r for r in silver(settings)}
    assert rows[old["event_id"]]["app_build"] is None
    assert rows[new["event_id"]]["app_build"] == "4.12.1+88"
    assert orjson.loads(rows[new["event_id"]]["_raw"])["app_build"] == "4.12.1+88"

    # Refining again with the same registry adds nothing.
    again = refine(settings, registry=load_registry(registry_with_app_build(tmp_path / "again")))
    assert again.added_columns == []
