"""CLOUD-3: the pipeline on S3 + Glue by configuration only, against moto on 127.0.0.1.

`lakehouse load` (ingest host) pushes sealed Bronze to an Object-Lock bucket;
`lakehouse refine` runs with a *different* LAKEHOUSE_HOME (a refine host that never saw
the ingest disk), so it can only have read Bronze from S3. A first refine is killed
after writing its Parquet to S3 and before committing; the rerun deletes those orphans
and commits through Glue. The table then reads back with pyiceberg and with DuckDB
over s3://, and matches the simulator's planted truth.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from pyiceberg.table.snapshots import Snapshot

from lakehouse.cloud.emulator import REGION, local_aws, patched_env
from lakehouse.cloud.s3 import LOCK_MODE
from lakehouse.config import PROJECT_ROOT, Settings, load_settings
from lakehouse.ingest.logfile import SealedFile, list_sealed
from lakehouse.silver.catalog import load_catalog
from lakehouse.silver.duck import connect, enable_s3
from lakehouse.silver.refine import FAULT_ENV
from lakehouse.simulate import Truth, generate

BUCKET = "acme-refine"
ROOT = f"s3://{BUCKET}/lake"
DATA = f"{ROOT}/silver/lake.db/events/data"

pytestmark = [pytest.mark.e2e, pytest.mark.fault]


def cli(home: Path, *args: str, fault: str = "") -> subprocess.CompletedProcess[str]:
    """`lakehouse --home HOME ARGS` as a subprocess; the lake is S3 + Glue by env only."""
    env = {
        **os.environ,
        "LAKEHOUSE_STORAGE_ROOT": ROOT,
        "LAKEHOUSE_CATALOG": "glue",
        FAULT_ENV: fault,
    }
    return subprocess.run(
        [sys.executable, "-m", "lakehouse.cli", "--home", str(home), *args],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def data_objects() -> set[str]:
    s3 = boto3.client("s3", region_name=REGION)
    prefix = DATA.removeprefix(f"s3://{BUCKET}/")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return {f"s3://{BUCKET}/{o['Key']}" for p in pages for o in p.get("Contents", [])}


@dataclass
class Run:
    truth: Truth
    ingest: Settings  # the ingest host's lake root (local Bronze)
    refine: Settings  # the refine host's lake root (ledger only)
    sealed: list[SealedFile]
    load: subprocess.CompletedProcess[str]
    killed: subprocess.CompletedProcess[str]
    orphans: set[str]  # data objects left by the killed refine
    snapshot_after_kill: Snapshot | None
    first: subprocess.CompletedProcess[str]
    again: subprocess.CompletedProcess[str]
    fresh: subprocess.CompletedProcess[str]  # a third host with no ledger at all
    snapshots_before_reruns: int


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("cloud-refine")
    with local_aws():
        truth = generate(2000, 11, tmp / "events.ndjson", days=3)
        ingest = load_settings(tmp / "ingest")
        refine_host = load_settings(tmp / "refine")
        load = cli(ingest.home, "load", str(tmp / "events.ndjson"))
        sealed = list_sealed(ingest.bronze_dir)

        killed = cli(refine_host.home, "refine", fault="before-commit:1")
        orphans = data_objects()
        with patched_env({"LAKEHOUSE_STORAGE_ROOT": ROOT, "LAKEHOUSE_CATALOG": "glue"}):
            cloud = load_settings(refine_host.home)
            snapshot_after_kill = load_catalog(cloud).load_table("lake.events").current_snapshot()
            first = cli(refine_host.home, "refine")
            before = len(load_catalog(cloud).load_table("lake.events").snapshots())
            again = cli(refine_host.home, "refine")
            fresh = cli(tmp / "third-host", "refine")
            yield Run(
                truth, ingest, cloud, sealed, load, killed, orphans, snapshot_after_kill,
                first, again, fresh, before,
            )  # fmt: skip


def test_load_lands_sealed_bronze_in_the_object_lock_bucket(run: Run) -> None:
    assert run.load.returncode == 0, run.load.stderr
    # the simulator planted valid deliveries (duplicates included) and bad lines
    assert (
        f"accepted={run.truth.valid_deliveries} rejected={run.truth.rejected_lines}"
        in run.load.stdout
    )
    assert f"pushed {len(run.sealed)} sealed Bronze file(s)" in run.load.stderr
    assert sum(f.lines for f in run.sealed) == run.truth.valid_deliveries

    s3 = boto3.client("s3", region_name=REGION)
    lock = s3.get_object_lock_configuration(Bucket=BUCKET)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    for f in run.sealed:
        key = f"lake/bronze/{f.rel}"
        obj = s3.get_object(Bucket=BUCKET, Key=key)
        assert obj["Body"].read() == f.path.read_bytes()
        assert obj["Metadata"] == {
            "sha256": f.sha256, "lines": str(f.lines), "sealed-at": f.sealed_at,
        }  # fmt: skip
        assert obj["ObjectLockMode"] == LOCK_MODE
    # a locked version cannot be deleted without the governance bypass
    key = f"lake/bronze/{run.sealed[0].rel}"
    version = s3.head_object(Bucket=BUCKET, Key=key)["VersionId"]
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=BUCKET, Key=key, VersionId=version)


def test_a_killed_refine_leaves_orphans_on_s3_that_the_rerun_deletes(run: Run) -> None:
    assert run.killed.returncode == -signal.SIGKILL, run.killed.stderr
    # Parquet was written to S3 for the batch, but nothing was committed
    assert run.orphans and all("/rb-rfb_" in o for o in run.orphans)
    assert run.snapshot_after_kill is None

    assert run.first.returncode == 0, run.first.stderr
    assert "recovered batch rfb_" in run.first.stderr and ": redone" in run.first.stderr
    table = load_catalog(run.refine).load_table("lake.events")
    live = {t.file.file_path for t in table.scan().plan_files()}
    assert run.orphans.isdisjoint(live)
    assert data_objects() == live  # no orphan left in the bucket
    assert all(f.startswith(f"{DATA}/event_dt=") for f in live)


def test_refine_reads_bronze_from_s3_and_writes_the_planted_rows(run: Run) -> None:
    # the refine host has no Bronze of its own: what it refined came from the bucket
    assert not list_sealed(run.refine.bronze_dir)
    t = run.truth
    assert (
        f"refined {len(run.sealed)} Bronze file(s) in 1 batch(es): rows_in={t.valid_deliveries} "
        f"rows_written={t.valid_events} duplicates_dropped={t.duplicate_deliveries}"
    ) in run.first.stdout

    table = load_catalog(run.refine).load_table("lake.events")
    rows = table.scan(selected_fields=("event_id", "event_name", "event_dt")).to_arrow()
    ids = rows.column("event_id").to_pylist()
    assert len(ids) == len(set(ids)) == t.valid_events
    assert dict(Counter(rows.column("event_name").to_pylist())) == t.events_by_name
    by_day = Counter(d.isoformat() for d in rows.column("event_dt").to_pylist())
    assert dict(by_day) == {d: n for d, n in t.events_by_day.items() if n}


def test_duckdb_reads_the_table_over_s3(run: Run) -> None:
    table = load_catalog(run.refine).load_table("lake.events")
    with connect() as con:
        enable_s3(con)
        scan = con.execute(
            f"SELECT count(*), count(DISTINCT event_id) FROM iceberg_scan('{table.metadata_location}')"
        ).fetchone()
        files = con.execute(
            f"SELECT count(*) FROM read_parquet('{DATA}/event_dt=*/*.parquet')"
        ).fetchone()
    assert scan == (run.truth.valid_events, run.truth.valid_events)
    assert files == (run.truth.valid_events,)


def test_rerunning_refine_adds_nothing(run: Run) -> None:
    assert run.again.returncode == 0, run.again.stderr
    assert f"Silver is up to date: all {len(run.sealed)} sealed Bronze file(s)" in run.again.stdout
    # a host without the ledger re-reads Bronze, but the anti-join against Silver drops it all
    assert run.fresh.returncode == 0, run.fresh.stderr
    t = run.truth
    assert (
        f"rows_in={t.valid_deliveries} rows_written=0 duplicates_dropped={t.valid_deliveries}"
        in (run.fresh.stdout)
    )
    table = load_catalog(run.refine).load_table("lake.events")
    assert len(table.snapshots()) == run.snapshots_before_reruns
    assert table.scan().to_arrow().num_rows == t.valid_events


def test_dsar_refuses_an_s3_lake_before_writing_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lakehouse.errors import ConfigError
    from lakehouse.privacy.dsar import delete_user

    monkeypatch.setenv("LAKEHOUSE_STORAGE_ROOT", ROOT)
    monkeypatch.setenv("LAKEHOUSE_CATALOG", "glue")
    settings = load_settings(tmp_path / "lake")
    with pytest.raises(ConfigError, match="DSAR delete does not support a lake on S3"):
        delete_user(settings, "usr_someone")
    assert not (tmp_path / "lake").exists()  # no tombstone, salt or audit entry
