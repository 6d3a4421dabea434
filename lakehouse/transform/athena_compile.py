"""Compile the dbt project for the Athena (`prod`) target offline (CLOUD-2).

dbt-athena looks relations up in Glue while compiling (`is_incremental()`), so the compile
runs against the loopback emulator (`lakehouse.cloud.emulator`). It compiles twice: once
against an empty Glue (the full-refresh branches), then after registering every
incremental model as an existing table (the incremental branches), so every SQL statement
Athena can be sent is rendered and can be linted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import orjson
from dbt.cli.main import dbtRunner

from lakehouse.cloud.emulator import REGION, local_aws, patched_env
from lakehouse.config import PROJECT_ROOT
from lakehouse.errors import PipelineError

# Placeholder prod settings: compiling sends nothing to Athena, so no real account is used.
_PROD_ENV = {
    "LAKEHOUSE_TARGET": "prod",
    "LAKEHOUSE_ATHENA_REGION": REGION,
    "LAKEHOUSE_ATHENA_S3_STAGING_DIR": "s3://lakehouse-athena-results/",
    "DO_NOT_TRACK": "1",
}


@dataclass(frozen=True)
class CompiledNode:
    """One compiled statement: a model (in one branch) or a data test."""

    unique_id: str
    name: str
    resource_type: str
    branch: str  # "full" or "incremental"
    sql: str


def _compile(target_path: Path, select: str | None) -> dict[str, Any]:
    args = [
        "compile", "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
        "--target", "prod", "--target-path", str(target_path),
        "--log-path", str(target_path / "logs"), "--log-level", "none",
        "--no-send-anonymous-usage-stats",
    ]  # fmt: skip
    if select:
        args += ["--select", select]
    res = dbtRunner().invoke(args)
    if not res.success:
        raise PipelineError(
            f"dbt compile for target prod failed ({res.exception or 'see the dbt log'} in "
            f"{target_path / 'logs'}); fix the model it names and rerun."
        )
    manifest: dict[str, Any] = orjson.loads((target_path / "manifest.json").read_bytes())
    return manifest


def _register_incremental_tables(manifest: dict[str, Any]) -> None:
    """Make every incremental model exist in (emulated) Glue so `is_incremental()` is true."""
    glue = boto3.client("glue", region_name=REGION)
    databases: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "incremental":
            continue
        schema = node["schema"]
        if schema not in databases:
            glue.create_database(DatabaseInput={"Name": schema})
            databases.add(schema)
        glue.create_table(
            DatabaseName=schema,
            TableInput={
                "Name": node["alias"],
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {"table_type": "ICEBERG"},
                "StorageDescriptor": {"Location": f"s3://lakehouse-gold/{node['alias']}/"},
            },
        )


def _nodes(manifest: dict[str, Any], branch: str, kinds: set[str]) -> list[CompiledNode]:
    out = []
    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] in kinds and node.get("compiled_code"):
            out.append(
                CompiledNode(
                    uid, node["name"], node["resource_type"], branch, node["compiled_code"]
                )
            )
    return out


def compile_for_athena(work_dir: Path) -> list[CompiledNode]:
    """Every model (both branches of incremental ones) and data test, compiled for prod."""
    with patched_env(_PROD_ENV), local_aws():
        full = _compile(work_dir / "full", None)
        _register_incremental_tables(full)
        incremental = _compile(work_dir / "incremental", "config.materialized:incremental")
    nodes = _nodes(full, "full", {"model", "test"})
    inc = [n for n in _nodes(incremental, "incremental", {"model"})]
    incremental_ids = {
        uid for uid, n in full["nodes"].items() if n["config"].get("materialized") == "incremental"
    }
    return nodes + [n for n in inc if n.unique_id in incremental_ids]
