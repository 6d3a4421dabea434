"""Runs the dbt project in-process (`dbtRunner`) against the current Silver snapshot.

dbt's own project and profile live at the repo root; everything dbt writes (target/,
logs/, the DuckDB file) goes under the lake. On DuckDB targets the build works on a copy
of the Gold file and swaps it in only when dbt succeeds, so a failed build never leaves a
half-built Gold and readers (dashboards, `lakehouse query`) are never locked out.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson

from lakehouse.config import PROJECT_ROOT, Settings
from lakehouse.errors import ConfigError, LakeEmptyError, PipelineError
from lakehouse.observability.runlog import record_run
from lakehouse.observability.snapshot import take_snapshot
from lakehouse.silver.duck import load_extensions
from lakehouse.transform.checks import CheckPlan, plan_checks
from lakehouse.transform.dbt_log import DbtLog, dbt_file_log_level
from lakehouse.transform.query import gold_database_path
from lakehouse.transform.silver import silver_metadata_location
from lakehouse.transform.workspace import close_duckdb, fold_wal, gold_workspace

# Node statuses dbt reports for a node that did its job.
# no-op: exposures; warn: a data test configured `severity: warn` found rows (reported, and
# the build goes on: e.g. a refund that reached Silver before its late order)
_OK = frozenset({"success", "pass", "skipped", "no-op", "warn"})
_PROD_ENV = ("LAKEHOUSE_ATHENA_REGION", "LAKEHOUSE_ATHENA_S3_STAGING_DIR")
# What seeds and unit tests depend on: an incremental build reruns them only when this
# changed since the last successful whole-project build (see `_project_hash`).
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "dbt_tests")
# Seeds (and the data tests on them) and unit tests: the same result for the same code.
_CODE_ONLY = "resource_type:seed resource_type:unit_test"
_LEFT_OUT = ("seed", "unit_test")  # the resource types _CODE_ONLY names


@dataclass(frozen=True)
class NodeResult:
    """One finished dbt node (model, seed, data test or unit test)."""

    name: str
    resource_type: str
    status: str
    seconds: float
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in _OK


@dataclass
class BuildResult:
    target: str
    silver_metadata: str | None
    nodes: list[NodeResult] = field(default_factory=list)
    seconds: float = 0.0
    snapshot_seconds: float = 0.0  # freezing the ops source (OBS-1/4) before dbt
    # why a build asked to be incremental ran as a full refresh (None: it did not)
    full_refresh_reason: str | None = None

    def count(self, resource_type: str) -> int:
        return sum(1 for n in self.nodes if n.resource_type == resource_type)

    @property
    def failures(self) -> list[NodeResult]:
        return [n for n in self.nodes if not n.ok]


def dbt_dirs(settings: Settings) -> tuple[Path, Path]:
    """(target path, log path) for dbt under the lake, never in the repo."""
    base = settings.home / "dbt"
    return base / "target", base / "logs"


def build(
    settings: Settings,
    *,
    full_refresh: bool = False,
    select: str | None = None,
    exclude: str | None = None,
    silver_metadata: str | None = None,
    on_node: Callable[[NodeResult], None] | None = None,
    extra_vars: dict[str, Any] | None = None,
    test_all: bool = False,
    on_notice: Callable[[str], None] | None = None,
) -> BuildResult:
    """`dbt build` (seeds, models, data and unit tests) over the current Silver snapshot.

    `select`/`exclude` are dbt selectors (e.g. exclude "resource_type:test" skips data
    tests); `silver_metadata` overrides the resolved snapshot (tests build from hand-made tables);
    `on_node` is called as each node finishes; `on_notice` with a line the user should
    read before dbt starts (e.g. why it runs as a full refresh). An incremental build
    whose incremental models' SQL changed since the last build runs as a full refresh.
    An incremental build tests only the rows
    it wrote (macros/tests/test_scope.sql) unless `test_all`; a full refresh tests all.
    An incremental build also skips seeds and unit tests while the project's files (and
    `extra_vars`) are unchanged since the last successful whole-project build.
    Raises `LakeEmptyError` when Silver is empty and `PipelineError` naming the failing nodes and dbt's messages when dbt fails.
    """
    settings.ensure()
    with record_run(settings, "build") as run:
        result = _build(
            settings, full_refresh, select, exclude, silver_metadata, on_node, extra_vars, test_all,
            _run_clock(run.started_at), on_notice,
        )  # fmt: skip
        run.rows_in = _silver_rows(result.silver_metadata)
        run.rows_out = sum(1 for n in result.nodes if n.resource_type == "model")
        run.note = f"{len(result.nodes)} dbt nodes"
    return result


def build_selected(
    settings: Settings,
    select: str,
    *,
    stage: str,
    exclude: str | None = None,
    on_node: Callable[[NodeResult], None] | None = None,
    extra_vars: dict[str, Any] | None = None,
) -> BuildResult:
    """`build` of the `select`ed nodes only, recorded in the run log as `stage`.

    For partial refreshes between builds (`lakehouse refresh --nrt`): same Silver snapshot
    resolution, ops snapshot, lock and atomic swap, but not a `build` run, so Silver→Gold
    lag (OBS-2) and the next build's test scope keep counting whole-project builds only.
    """
    settings.ensure()
    with record_run(settings, stage) as run:
        result = _build(
            settings, False, select, exclude, None, on_node, extra_vars, False,
            _run_clock(run.started_at),
        )  # fmt: skip
        run.rows_in = _silver_rows(result.silver_metadata)
        run.rows_out = sum(1 for n in result.nodes if n.resource_type == "model")
        run.note = f"{len(result.nodes)} dbt nodes ({select})"
    return result


def _build(
    settings: Settings,
    full_refresh: bool,
    select: str | None,
    exclude: str | None,
    silver_metadata: str | None,
    on_node: Callable[[NodeResult], None] | None,
    extra_vars: dict[str, Any] | None,
    test_all: bool,
    started_at: str,
    on_notice: Callable[[str], None] | None = None,
) -> BuildResult:
    if settings.target == "prod":
        _require_prod_env()
        metadata = silver_metadata
    else:
        metadata = silver_metadata or silver_metadata_location(settings)
    result = BuildResult(target=settings.target, silver_metadata=metadata)
    # The ops source (run log, DLQ, Bronze manifests: OBS-1/4) is frozen before dbt starts;
    # this build's own start is how Silver→Gold lag (OBS-2) sees the rows it publishes.
    # `started_at` (the run log's start, also the next build's test scope) is this build's
    # clock in the ops marts too: a row's Silver→Gold lag is the same whether the build that
    # published it stamped it then or a later recount reads that build from the run log
    clock = time.perf_counter()
    snapshot = take_snapshot(settings)
    result.snapshot_seconds = time.perf_counter() - clock
    # --vars stay the same from build to build, so dbt re-parses only changed files (a
    # new value makes it re-parse the whole project, seconds per build); what changes
    # every build reaches the macros as environment variables, read only at run time.
    dbt_vars: dict[str, Any] = {
        "lakehouse__silver_metadata_location": _pin_snapshot(settings, metadata) or "",
        "lakehouse__ops_snapshot_dir": str(snapshot.directory),
    }
    run_env = {
        "LAKEHOUSE_BUILD_STARTED_AT": started_at,
        "LAKEHOUSE_TEST_ROWS_SINCE": "",
        "LAKEHOUSE_TEST_DAYS_FROM": "",
    }
    previous = _last_build(settings)
    kept = _read_last_build_manifest(settings)  # read once: several MB of JSON at 10M events
    if not (full_refresh or test_all or select or exclude) and settings.target != "prod":
        changed = _changed_incremental_models(kept)
        if changed:
            full_refresh = True
            result.full_refresh_reason = (
                f"incremental model(s) {', '.join(changed)} changed since the last build, "
                "so rows kept by the old version may not match the new: rebuilding Gold in full"
            )
            if on_notice is not None:
                on_notice(result.full_refresh_reason)
    incremental = not (full_refresh or test_all)
    if previous.get("started_at") and incremental:
        run_env["LAKEHOUSE_TEST_ROWS_SINCE"] = previous["started_at"]
        run_env["LAKEHOUSE_TEST_DAYS_FROM"] = _first_day_loaded_since(
            metadata, previous["started_at"]
        )
    dbt_vars.update(extra_vars or {})
    # the vars are part of the code: the pinned Silver and ops paths are in the views' SQL
    code = _project_hash(dbt_vars)
    # Seeds and unit tests give the same result for the same code: an incremental build
    # skips them while the project is unchanged since the last whole-project build that
    # ran them (dbt recommends unit tests for development and CI, not every production run).
    skip_code_only = (
        incremental and previous.get("code") == code and gold_database_path(settings).exists()
    )
    # what the last whole-project build parsed: the same project while `code` is unchanged
    manifest = kept if previous.get("code") == code else None
    args = ["build", *_common_args(settings), "--vars", orjson.dumps(dbt_vars).decode()]
    if settings.target != "prod":
        args += ["--threads", str(duckdb_threads())]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        # only tests whose every parent is selected: a test of a model outside the
        # selection may read tables this Gold does not have yet
        args += ["--select", *select.split(), "--indirect-selection", "cautious"]
    code_only = ""
    same_result: set[str] = set()
    if skip_code_only and select:
        code_only = _CODE_ONLY
    elif skip_code_only:
        same_result = code_only_keys(manifest) if manifest is not None else set()
        code_only = _code_only_nodes(manifest, same_result)
        # excluding a view must not exclude the tests on it: they check new Silver rows
        args += ["--indirect-selection", "empty"]
    # the single-table tests run as one query per carrier node (checks.py), planned from
    # the last build's manifest while the project is unchanged since; after a change, and
    # with --test-all, each test runs as its own node
    # (a --select may name a test itself; Athena has no working copy to name failures from)
    fold = (
        not test_all and select is None and settings.target != "prod"
        and previous.get("code") == code
    )  # fmt: skip
    checks = plan_checks(manifest) if fold else CheckPlan()
    run_env["LAKEHOUSE_COLUMN_CHECKS"] = (
        orjson.dumps(checks.by_carrier(same_result)).decode() if checks.by_relation else ""
    )
    # dbt writes its manifest twice a build (0.8 s of Python); an unchanged project's
    # incremental build on DuckDB already has its own kept (what the plan above read), so
    # it writes none, nor run_results.json (failures come from dbt's result in memory)
    write_json = not (fold and incremental and manifest is not None)
    if not write_json:
        args.append("--no-write-json")
    excluded = " ".join(filter(None, [exclude, code_only, *checks.exclude]))
    if excluded:
        args += ["--exclude", *excluded.split()]

    def collect(node: NodeResult) -> None:
        result.nodes.append(node)
        if on_node is not None:
            on_node(node)

    # A full refresh of the whole project rewrites every model: it starts from an empty
    # file instead of a copy, so Gold holds no freed blocks (half a 10M-event Gold's file
    # was free space, copied by every later build).
    fresh = full_refresh and select is None and _excludes_only_tests(exclude)
    started = time.perf_counter()
    with _build_lock(settings), _gold_workspace(settings, fresh, True) as gold_env:
        outcome, compiled = _invoke(settings, args, collect, {**gold_env, **run_env})
        if result.failures:
            failures = _unfold_failures(gold_env, result.failures, compiled, checks.carriers)
            raise PipelineError(_failure_message(failures))
        if outcome is not None:
            raise PipelineError(outcome)
        if select is None and exclude is None:  # else some rows since went untested
            state = {"started_at": started_at, "code": code}
            _last_build_file(settings).write_text(orjson.dumps(state).decode())
            # what the next build's column_checks plan reads: the manifest of this code and
            # target, which a later `dbt docs` or other target's run cannot overwrite
            parsed = dbt_dirs(settings)[0] / "manifest.json"
            if write_json and parsed.is_file():
                shutil.copyfile(parsed, _last_build_manifest(settings))
    result.seconds = time.perf_counter() - started
    return result


def _run_clock(iso: str) -> str:
    """A run log time (`2026-11-02T08:10:00.000000Z`) as the UTC timestamp literal the
    ops macros cast (`2026-11-02 08:10:00.000000`)."""
    return iso.replace("T", " ").removesuffix("Z")


def _pin_snapshot(settings: Settings, metadata: str | None) -> str | None:
    """A copy of the Silver snapshot's metadata JSON at one path per lake (its manifest
    and data paths are absolute), which dbt's source then names in every build. A
    location that is not a local file is passed on as is (iceberg_scan names it)."""
    path = Path(metadata.removeprefix("file://")) if metadata else None
    if path is None or not path.is_file():
        return metadata
    pinned = dbt_dirs(settings)[0].parent / "silver-snapshot.metadata.json"
    pinned.parent.mkdir(parents=True, exist_ok=True)
    partial = pinned.with_name(pinned.name + ".partial")
    shutil.copyfile(path, partial)
    os.replace(partial, pinned)
    return str(pinned)


def _first_day_loaded_since(metadata: str | None, since: str) -> str:
    """The first event_dt among Silver rows loaded at or after `since` (UTC), or `since`'s
    own day when there are none; "" when Silver is not a local file. Tests scoped to those
    rows also bound event_dt by it, so they read only those days' partitions (a bound on
    silver_loaded_at alone prunes nothing: the staging views compute that column)."""
    path = Path(metadata.removeprefix("file://")) if metadata else None
    if path is None or not path.is_file():
        return ""
    con = duckdb.connect()
    try:
        load_extensions(con)
        con.execute("SET TimeZone = 'UTC'")
        location = str(path).replace("'", "''")
        row = con.execute(
            f"select min(event_dt) from iceberg_scan('{location}') "
            "where silver_loaded_at >= cast(cast(? as timestamp) as timestamptz)",
            [since],
        ).fetchone()
    finally:
        con.close()
    day = row[0] if row else None
    return day.isoformat() if day is not None else since[:10]


def _last_build_file(settings: Settings) -> Path:
    return settings.state_dir / f"gold-last-build-{settings.target}.json"


def _last_build_manifest(settings: Settings) -> Path:
    return settings.state_dir / f"gold-last-build-{settings.target}.manifest.json"


def _last_build(settings: Settings) -> dict[str, str]:
    """The last successful whole-project build of this target: its start (UTC,
    "started_at") and project hash ("code"); empty before the first."""
    path = _last_build_file(settings)
    if not path.exists():
        return {}
    state = orjson.loads(path.read_bytes())
    return {k: v for k, v in state.items() if isinstance(v, str)}


def _read_last_build_manifest(settings: Settings) -> dict[str, Any] | None:
    path = _last_build_manifest(settings)
    return orjson.loads(path.read_bytes()) if path.is_file() else None


def _changed_incremental_models(manifest: dict[str, Any] | None) -> list[str]:
    """The incremental models whose SQL differs from the build that kept `manifest`: the
    rows they kept follow the old SQL (which rows, what each holds), and only a full
    refresh is sure to give the new SQL's table. (A changed macro is not seen here: after
    such an upgrade, `lakehouse build --full-refresh`, as the README says.)"""
    if manifest is None:
        return []
    from dbt.contracts.files import FileHash
    from dbt_common.clients.system import load_file_contents

    changed = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"]["materialized"] != "incremental":
            continue
        path = PROJECT_ROOT / node["original_file_path"]
        now = (
            FileHash.from_contents(load_file_contents(str(path))).checksum if path.is_file() else ""
        )
        if now != node["checksum"]["checksum"]:
            changed.append(node["name"])
    return sorted(changed)


def _code_only_nodes(manifest: dict[str, Any] | None, code_only: set[str]) -> str:
    """dbt exclusions for what an unchanged project would rebuild to the same result:
    seeds, unit tests, views (their SQL is the project's code; they read the new rows when
    queried), tables built from seeds alone, and the data tests of those tables and seeds
    (`code_only`: code_only_keys). Read from the last whole-project build's manifest,
    which the unchanged project still matches."""
    if manifest is None:
        return _CODE_ONLY
    nodes: dict[str, Any] = manifest["nodes"]
    # Fewer selectors where one covers many (dbt matches each against every node, three
    # times a build): every view; a seed folder, or a code-only model's YAML file, when
    # every node dbt's path: method finds there is code only (or a seed).
    selectors = [_CODE_ONLY, "config.materialized:view"]
    left = {key for key in code_only if nodes[key]["config"].get("materialized") != "view"}
    everything = {
        **nodes, **manifest.get("sources", {}), **manifest.get("exposures", {}),
        **manifest.get("unit_tests", {}),
    }  # fmt: skip
    seed_folders = {
        _files(n)[0].split("/", 1)[0] for n in nodes.values() if n["resource_type"] == "seed"
    }
    model_ymls = {_files(nodes[key])[1] for key in left if nodes[key]["resource_type"] == "model"}
    for path in sorted(seed_folders) + sorted(model_ymls - {""}):
        inside = {key for key, node in everything.items() if _under(node, path)}
        if inside and all(
            k in code_only or everything[k]["resource_type"] in _LEFT_OUT for k in inside
        ):
            selectors.append(f"path:{path}")
            left -= inside
    return " ".join([*selectors, *sorted(nodes[key]["name"] for key in left)])


def _files(node: dict[str, Any]) -> tuple[str, str]:
    """A node's file and its YAML patch's file ("" without one), relative to the project."""
    patch = str(node.get("patch_path") or "")
    return str(node.get("original_file_path", "")), patch.split("://", 1)[-1] if patch else ""


def _under(node: dict[str, Any], path: str) -> bool:
    """Whether dbt's `path:` method selects `node` for `path` (a folder or file): its
    file is the path or under it, or its YAML patch is the path."""
    file, patch = _files(node)
    return file == path or file.startswith(path + "/") or patch == path


def code_only_keys(manifest: dict[str, Any]) -> set[str]:
    """The models and data tests of `manifest` (by unique id) whose result only the
    project's code decides: views, tables built from seeds alone, and the data tests whose
    every parent is a seed or such a table."""
    nodes: dict[str, Any] = manifest["nodes"]
    static = {key for key, node in nodes.items() if node["resource_type"] == "seed"}
    grown = True
    while grown:  # tables whose every parent is static, up the DAG
        grown = False
        for key, node in nodes.items():
            parents = node.get("depends_on", {}).get("nodes", [])
            if node["resource_type"] != "model" or key in static or not parents:
                continue
            if all(parent in static for parent in parents):
                static.add(key)
                grown = True

    def same_result(key: str, node: dict[str, Any]) -> bool:
        if node["resource_type"] == "model":
            return key in static or node["config"]["materialized"] == "view"
        parents = set(node.get("depends_on", {}).get("nodes", []))
        return node["resource_type"] == "test" and bool(parents) and parents <= static

    return {key for key, node in nodes.items() if same_result(key, node)}


def _project_hash(dbt_vars: dict[str, Any] | None) -> str:
    """SHA-256 of the dbt project's files, the dbt version and the vars passed to dbt:
    what seeds, unit tests and views depend on (a var such as the session gap changes
    results; the pinned Silver and ops paths are in the views' SQL)."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(
        f"{dbt_version}\0{orjson.dumps(dbt_vars or {}, option=orjson.OPT_SORT_KEYS).decode()}".encode()
    )
    for name in _PROJECT_FILES:
        root = PROJECT_ROOT / name
        for path in sorted(root.rglob("*")) if root.is_dir() else [root]:
            if path.is_file():
                digest.update(f"\0{path.relative_to(PROJECT_ROOT)}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@contextmanager
def gold_write(settings: Settings) -> Iterator[Path]:
    """A writable working copy of Gold for writers outside dbt (`lakehouse analyze`).

    Same lock and swap as `build`: the copy replaces Gold only when the block succeeds, so
    readers never see a half-written table and a build and a write never interleave.
    """
    if settings.target == "prod":
        raise ConfigError(
            "target prod keeps Gold in Athena; write local Gold with --target dev or ci."
        )
    settings.ensure()
    with _build_lock(settings), _gold_workspace(settings) as gold_env:
        yield Path(gold_env["LAKEHOUSE_GOLD_PATH"])


def generate_docs(settings: Settings) -> Path:
    """`dbt docs generate` over the built Gold (offline: no package or network needed).

    Writes manifest.json, catalog.json and index.html under the lake's dbt target folder
    (lineage from Silver and the ops snapshot through to the dashboard exposures, DQ-2)
    and returns that folder. Raises `LakeEmptyError` before the first build.
    """
    gold = gold_database_path(settings)
    if not gold.is_file():
        raise LakeEmptyError(f"Gold does not exist yet at {gold}; run `lakehouse build` first.")
    metadata = silver_metadata_location(settings)
    dbt_vars = {
        "lakehouse__silver_metadata_location": metadata,
        "lakehouse__ops_snapshot_dir": str(take_snapshot(settings).directory),
    }
    args = ["docs", "generate", *_common_args(settings), "--vars", orjson.dumps(dbt_vars).decode()]
    with _build_lock(settings):
        try:
            outcome, _ = _invoke(
                settings, args, lambda _node: None, {"LAKEHOUSE_GOLD_PATH": str(gold)}
            )
        finally:
            close_duckdb()
            fold_wal(gold)
    if outcome is not None:
        raise PipelineError(outcome.replace("dbt build failed", "dbt docs generate failed"))
    return dbt_dirs(settings)[0]


def _silver_rows(metadata: str | None) -> int:
    """Rows in the Silver snapshot the build read (0 when unknown, e.g. on Athena)."""
    path = Path(metadata.removeprefix("file://")) if metadata else None
    if path is None or not path.is_file():
        return 0
    meta = orjson.loads(path.read_bytes())
    current = meta.get("current-snapshot-id")
    for snap in meta.get("snapshots", []):
        if snap.get("snapshot-id") == current:
            return int(snap.get("summary", {}).get("total-records", 0))
    return 0


def _common_args(settings: Settings) -> list[str]:
    target_path, log_path = dbt_dirs(settings)
    return [
        "--project-dir", str(PROJECT_ROOT),
        "--profiles-dir", str(PROJECT_ROOT),
        "--target", settings.target,
        "--target-path", str(target_path),
        "--log-path", str(log_path),
        "--log-level", "none",
        "--log-level-file", dbt_file_log_level(),
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
    ]  # fmt: skip


def duckdb_threads() -> int:
    """dbt threads for a DuckDB target: one per core, at most 4. DuckDB already runs each
    query on every core, so more models at once than cores only makes them compete for
    cores and memory (at 10M events on 2 cores, 2 threads built Gold in 170 s, 4 in 197 s)."""
    return max(1, min(4, os.cpu_count() or 1))


def _require_prod_env() -> None:
    missing = [name for name in _PROD_ENV if not os.environ.get(name)]
    if missing:
        raise ConfigError(
            f"target prod runs dbt on Athena and needs {', '.join(missing)}; set them (and "
            "LAKEHOUSE_ATHENA_WORKGROUP, LAKEHOUSE_ATHENA_SCHEMA) or use --target dev."
        )


@contextmanager
def _build_lock(settings: Settings) -> Iterator[None]:
    path = settings.state_dir / "gold-build.lock"
    with path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PipelineError(
                f"another `lakehouse build` is running on {settings.home} (lock {path}); "
                "wait for it to finish."
            ) from None
        yield


def _excludes_only_tests(exclude: str | None) -> bool:
    tests = {"resource_type:test", "resource_type:unit_test"}
    return all(token in tests for token in (exclude or "").split())


@contextmanager
def _gold_workspace(
    settings: Settings, fresh: bool = False, background: bool = False
) -> Iterator[dict[str, str]]:
    if settings.target == "prod":  # Athena: no file to copy
        yield {}
        return
    with gold_workspace(gold_database_path(settings), fresh, background) as env:
        yield env


@contextmanager
def _dbt_environment(settings: Settings, extra: dict[str, str]) -> Iterator[None]:
    values = {
        "DBT_PROFILES_DIR": str(PROJECT_ROOT),
        "LAKEHOUSE_HOME": str(settings.home),
        "LAKEHOUSE_TARGET": settings.target,
        "DO_NOT_TRACK": "1",
        **extra,
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while dbt runs: its full passes walk dbt's
    parsed project again and again (1.2 s of a build's Python at 1M events, holding the GIL
    the build's threads share) to free a few tens of MB, which a later pass frees anyway."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _invoke(
    settings: Settings, args: list[str], on_node: Callable[[NodeResult], None], env: dict[str, str]
) -> tuple[str | None, dict[str, str]]:
    """Run dbt; returns an error message when dbt did not succeed (else None), and the
    compiled SQL of each node that failed, by name."""
    from dbt.cli.main import dbtRunner

    def callback(event: Any) -> None:
        if event.info.name != "NodeFinished":
            return
        info, run = event.data.node_info, event.data.run_result
        on_node(
            NodeResult(
                name=info.node_name,
                resource_type=info.resource_type,
                status=run.status or info.node_status,
                seconds=run.execution_time,
                message=run.message,
            )
        )

    log = dbt_dirs(settings)[1] / "dbt.log"
    with _dbt_environment(settings, env), DbtLog(log) as write_log, _no_cyclic_gc():
        outcome = dbtRunner(callbacks=[callback, write_log]).invoke(args)
    if outcome.exception is not None:
        return f"dbt could not run: {_clean(str(outcome.exception))}", {}
    if not outcome.success:
        compiled = {
            run.node.name: getattr(run.node, "compiled_code", None) or ""
            for run in getattr(outcome.result, "results", None) or []
            if run.status not in _OK
        }
        return f"dbt build failed; see {log}; Gold was left unchanged.", compiled
    return None, {}


def _unfold_failures(
    gold_env: dict[str, str],
    failures: list[NodeResult],
    compiled: dict[str, str],
    carriers: set[str],
) -> list[NodeResult]:
    """`failures` with each failed carrier of folded tests replaced by the tests that failed
    inside it, as their own nodes would report them. Its query (`compiled`, by node name)
    lists them, re-run on the working copy of Gold before it is discarded."""
    work = gold_env.get("LAKEHOUSE_GOLD_PATH")
    folded = [n for n in failures if n.resource_type == "test" and n.status == "fail"
              and n.name in carriers]  # fmt: skip
    if not work or not folded:
        return failures
    close_duckdb()  # dbt-duckdb holds the working copy open
    # opened by path, so its catalog has the name dbt-duckdb's compiled SQL uses
    con = duckdb.connect(work, read_only=True)
    unfolded: list[NodeResult] = []
    try:
        load_extensions(con)
        con.execute("SET TimeZone = 'UTC'")
        for node in failures:
            if node not in folded or not compiled.get(node.name):
                unfolded.append(node)
                continue
            try:
                rows = con.execute(compiled[node.name]).fetchall()
            except duckdb.Error:  # the node's own message stands
                rows = []
            unfolded += [
                NodeResult(str(row[0]), "test", "fail", node.seconds,
                           f"{row[1]} failing row(s), found by {node.name}")
                for row in rows if len(row) == 2
            ] or [node]  # fmt: skip
    finally:
        con.close()
    return unfolded


def _failure_message(failures: list[NodeResult]) -> str:
    lines = [f"dbt build failed ({len(failures)} node(s)); Gold was left unchanged:"]
    for node in failures:
        lines.append(f"  {node.resource_type} {node.name}: {node.status}: {_clean(node.message)}")
    return "\n".join(lines)


def _clean(message: str) -> str:
    return " ".join(message.split()) if message else "(no message)"
