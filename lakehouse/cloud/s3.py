"""S3 for the cloud path (CLOUD-3): split `s3://` URIs, client settings, Object-Lock Bronze.

Credentials and the endpoint come from the standard AWS environment (`AWS_REGION`,
`AWS_ENDPOINT_URL` for an emulator, the usual credential chain); nothing here stores them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from lakehouse.config import Settings
from lakehouse.errors import ConfigError

# GOVERNANCE, not COMPLIANCE: Bronze is write-once for everyone, but a privileged DSAR
# erasure (PRIV) must still be able to remove a person's raw events before retention ends.
LOCK_MODE = "GOVERNANCE"
DEFAULT_RETENTION_DAYS = 30


def split_uri(uri: str) -> tuple[str, str]:
    """`s3://bucket/a/b` → (`bucket`, `a/b`)."""
    if not uri.startswith("s3://"):
        raise ConfigError(f"{uri!r} is not an s3:// URI; write it as s3://<bucket>/<key>.")
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"


def client() -> Any:
    """A boto3 S3 client; `AWS_ENDPOINT_URL` (an emulator) is honoured by boto3 itself."""
    return boto3.client("s3", region_name=region())


def iceberg_properties() -> dict[str, Any]:
    """pyiceberg FileIO/Glue properties: pyarrow's S3 filesystem does not read
    AWS_ENDPOINT_URL, so an emulator endpoint is passed explicitly."""
    props: dict[str, Any] = {"s3.region": region(), "glue.region": region()}
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        props.update({"s3.endpoint": endpoint, "glue.endpoint": endpoint})
    return props


def ensure_bronze_bucket(bucket: str) -> None:
    """Create `bucket` with Object Lock enabled when it does not exist yet (Object Lock can
    only be switched on at creation, which also turns on versioning)."""
    s3 = client()
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket in existing:
        return
    kwargs: dict[str, Any] = {"Bucket": bucket, "ObjectLockEnabledForBucket": True}
    if region() != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region()}
    s3.create_bucket(**kwargs)


def push_bronze(
    settings: Settings, files: list[Path], retention_days: int = DEFAULT_RETENTION_DAYS
) -> list[str]:
    """Upload sealed Bronze files to `<storage_root>/bronze/<path under bronze_dir>`, each
    locked (Object Lock retention) for `retention_days`; returns the object URIs."""
    if not settings.storage_root:
        raise ConfigError(
            "pushing Bronze needs LAKEHOUSE_STORAGE_ROOT=s3://<bucket>/<prefix>; set it first."
        )
    bucket, prefix = split_uri(settings.storage_root)
    ensure_bronze_bucket(bucket)
    until = datetime.now(UTC) + timedelta(days=retention_days)
    s3 = client()
    uris = []
    for path in files:
        rel = path.resolve().relative_to(settings.bronze_dir.resolve()).as_posix()
        key = "/".join(p for p in (prefix, "bronze", rel) if p)
        with path.open("rb") as body:
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ObjectLockMode=LOCK_MODE,
                ObjectLockRetainUntilDate=until,
            )
        uris.append(f"s3://{bucket}/{key}")
    return uris
