"""DQ-2: `dbt docs generate` runs offline and shows lineage down to the dashboards."""

from __future__ import annotations

from typing import Any

import orjson

from lakehouse.config import Settings
from lakehouse.transform.runner import generate_docs


def test_docs_generate_offline_with_ops_lineage_and_exposures(
    clean_lake: tuple[Settings, dict[str, Any]],
) -> None:
    settings, _ = clean_lake
    target = generate_docs(settings)
    manifest = orjson.loads((target / "manifest.json").read_bytes())
    catalog = orjson.loads((target / "catalog.json").read_bytes())
    assert (target / "index.html").is_file()
    health = manifest["exposures"]["exposure.lakehouse.pipeline_health_dashboard"]
    assert set(health["depends_on"]["nodes"]) == {
        "model.lakehouse.ops_alerts", "model.lakehouse.ops_run_log",
        "model.lakehouse.ops_lag_hourly", "model.lakehouse.ops_loss_hourly",
        "model.lakehouse.nrt_status", "model.lakehouse.nrt_volume_hourly",
        "model.lakehouse.nrt_lag_hourly", "model.lakehouse.nrt_dlq_hourly",
    }  # fmt: skip
    assert "exposure.lakehouse.kpi_dashboard" in manifest["exposures"]
    # lineage: ops_alerts ← ops_loss_hourly ← stg_silver__events ← source silver.events
    parents = manifest["parent_map"]
    assert "model.lakehouse.ops_loss_hourly" in parents["model.lakehouse.ops_alerts"]
    assert parents["model.lakehouse.stg_ops__runs"] == ["source.lakehouse.ops.runs"]
    # the catalog read the built tables' columns from Gold
    columns = catalog["nodes"]["model.lakehouse.ops_alerts"]["columns"]
    assert {"alert_id", "alert_kind", "window_start_at"} <= {c.lower() for c in columns}
