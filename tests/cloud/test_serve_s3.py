"""CLOUD-3: a running `lakehouse serve` pushes the Bronze files it seals to the
Object-Lock bucket (moto on 127.0.0.1), without waiting for S3 before it acks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from lakehouse.cloud.emulator import REGION, local_aws
from lakehouse.cloud.s3 import LOCK_MODE
from lakehouse.ingest.logfile import list_sealed
from tests.conftest import Server

BUCKET = "acme-serve"
ROOT = f"s3://{BUCKET}/lake"


@pytest.fixture
def aws() -> Iterator[str]:
    with local_aws() as endpoint:
        yield endpoint


def bronze_objects() -> dict[str, bytes]:
    s3 = boto3.client("s3", region_name=REGION)
    if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        return {}
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="lake/bronze/").get("Contents", [])
    return {
        o["Key"].removeprefix("lake/bronze/"): s3.get_object(Bucket=BUCKET, Key=o["Key"])[
            "Body"
        ].read()
        for o in listed
    }


def test_serve_pushes_sealed_bronze(
    aws: str, tmp_path: Path, make_events: Callable[[int], list[dict[str, Any]]]
) -> None:
    home = tmp_path / "lake"
    env = {
        "LAKEHOUSE_STORAGE_ROOT": ROOT,
        "LAKEHOUSE_CATALOG": "glue",
        "LAKEHOUSE_BRONZE_ROLL_SECONDS": "1",
    }
    server = Server(home, extra_env=env).start()
    try:
        reply = httpx.post(server.url + "/e", json=make_events(20), timeout=10)
        assert reply.status_code == 200 and reply.json()["accepted"] == 20
        # the roller seals within ~1 s and pushes on the next tick; bounded wait
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if sum(body.count(b"\n") for body in bronze_objects().values()) == 20:
                break
            time.sleep(0.2)
    finally:
        server.stop()

    sealed = list_sealed(home / "bronze")
    assert sum(f.lines for f in sealed) == 20
    objects = bronze_objects()
    assert objects == {f.rel: f.path.read_bytes() for f in sealed}
    s3 = boto3.client("s3", region_name=REGION)
    for rel in objects:
        assert (
            s3.head_object(Bucket=BUCKET, Key=f"lake/bronze/{rel}")["ObjectLockMode"] == LOCK_MODE
        )
