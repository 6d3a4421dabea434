"""The least an incremental build that runs N models through dbt can take on this machine.

A throwaway dbt project of N one-row incremental models (delete+insert by key, as Gold's
event-grain models on DuckDB), built once, then timed on its second, incremental run in a
fresh process, from importing dbt to the end of the invocation: dbt's start-up and its
per-node work with no data to speak of. The one-new-day row compares with it, since
`lakehouse build` runs the same number of models through the same dbt and adapter.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench.common import run_child

_CHILD = """
import sys, time, orjson
started = time.perf_counter()
from dbt.cli.main import dbtRunner
project, threads = sys.argv[1], sys.argv[2]
result = dbtRunner().invoke(["build", "--project-dir", project, "--profiles-dir", project,
                             "--threads", threads, "--quiet"])
if not result.success:
    raise SystemExit(f"dbt floor project failed: {result.exception}")
print(orjson.dumps({"seconds": time.perf_counter() - started,
                    "nodes": len(result.result.results)}).decode())
"""

_PROJECT = """\
name: dbt_floor
version: "1.0"
profile: dbt_floor
models:
  dbt_floor:
    +materialized: incremental
    +incremental_strategy: delete+insert
    +unique_key: id
"""

_PROFILE = """\
dbt_floor:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: {db}
"""


def write_project(project: Path, n_models: int) -> None:
    """N models in a chain of depth two (one root, the rest reading it), so dbt's threads
    can run them side by side as they run Gold's."""
    shutil.rmtree(project, ignore_errors=True)
    models = project / "models"
    models.mkdir(parents=True)
    (project / "dbt_project.yml").write_text(_PROJECT)
    (project / "profiles.yml").write_text(_PROFILE.format(db=project / "floor.duckdb"))
    (models / "m000.sql").write_text("select 1 as id\n")
    for i in range(1, n_models):
        (models / f"m{i:03}.sql").write_text("select id from {{ ref('m000') }}\n")


def _run(project: Path, threads: int) -> dict[str, Any]:
    return run_child(_CHILD, str(project), str(threads), what="dbt floor")


def dbt_floor_seconds(workdir: Path, n_models: int, threads: int) -> float:
    """Seconds of the timed (second, incremental) run of an `n_models` trivial project."""
    project = workdir / "dbt-floor"
    write_project(project, n_models)
    _run(project, threads)  # creates the tables and dbt's partial-parse file
    timed = _run(project, threads)
    if timed["nodes"] != n_models:
        raise RuntimeError(f"dbt floor ran {timed['nodes']} nodes, expected {n_models}")
    return timed["seconds"]
