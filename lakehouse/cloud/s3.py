"""S3 for the cloud path (CLOUD-3): split `s3://` URIs, client settings, Object-Lock Bronze.

Bronze on S3: ingest (`load`) seals files locally as always (fsync before ack), then
pushes every sealed file the bucket lacks to `<storage_root>/bronze/<rel>`, locked;
refine lists and reads Bronze from the bucket, so it needs no access to the ingest disk.

Credentials and the endpoint come from the standard AWS environment (`AWS_REGION`,
`AWS_ENDPOINT_URL` for an emulator, the usual credential chain); nothing here stores them.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from lakehouse.config import Settings
from lakehouse.errors import ConfigError
from lakehouse.ingest.logfile import SealedFile, list_sealed

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
    if _bucket_exists(bucket):
        return
    kwargs: dict[str, Any] = {"Bucket": bucket, "ObjectLockEnabledForBucket": True}
    if region() != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region()}
    client().create_bucket(**kwargs)


def bronze_root(settings: Settings) -> tuple[str, str]:
    """(bucket, key prefix ending in `bronze/`) of the lake's Bronze objects."""
    if not settings.storage_root:
        raise ConfigError(
            "Bronze on S3 needs LAKEHOUSE_STORAGE_ROOT=s3://<bucket>/<prefix>; set it first."
        )
    bucket, prefix = split_uri(settings.storage_root)
    return bucket, "/".join(p for p in (prefix, "bronze") if p) + "/"


def _bronze_keys(bucket: str, root: str) -> dict[str, int]:
    """Every sealed Bronze object under `root`: rel (key after `root`) → size in bytes."""
    pages = client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=root)
    return {
        obj["Key"].removeprefix(root): obj["Size"]
        for page in pages
        for obj in page.get("Contents", [])
        if obj["Key"].endswith(".ndjson")
    }


def push_bronze(
    settings: Settings, files: list[SealedFile], retention_days: int = DEFAULT_RETENTION_DAYS
) -> list[str]:
    """Upload sealed Bronze files to `<storage_root>/bronze/<rel>`, each locked (Object
    Lock retention) for `retention_days` and carrying its manifest facts (sha256, lines,
    sealed_at) as object metadata; returns the object URIs."""
    bucket, root = bronze_root(settings)
    ensure_bronze_bucket(bucket)
    until = datetime.now(UTC) + timedelta(days=retention_days)
    s3 = client()
    uris = []
    for f in files:
        key = root + f.rel
        with f.path.open("rb") as body:
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                Metadata={"sha256": f.sha256, "lines": str(f.lines), "sealed-at": f.sealed_at},
                ObjectLockMode=LOCK_MODE,
                ObjectLockRetainUntilDate=until,
            )
        uris.append(f"s3://{bucket}/{key}")
    return uris


def sync_bronze(settings: Settings, retention_days: int = DEFAULT_RETENTION_DAYS) -> list[str]:
    """Push every locally sealed Bronze file that is not in the bucket yet; the new URIs.

    Comparing with the bucket (not remembering what was pushed) makes a push that a crash
    or an S3 error interrupted simply happen on the next call.
    """
    bucket, root = bronze_root(settings)
    ensure_bronze_bucket(bucket)
    there = _bronze_keys(bucket, root)
    missing = [f for f in list_sealed(settings.bronze_dir) if f.rel not in there]
    return push_bronze(settings, missing, retention_days) if missing else []


def list_bronze(settings: Settings, known: Collection[str] = ()) -> list[SealedFile]:
    """The sealed Bronze objects in the bucket as SealedFiles, oldest first (by the ULID
    in the name, like the local manifest order); `uri` is the s3:// location to read.

    The manifest facts are read (one HEAD each) only for files not in `known` (those a
    caller has already loaded and will skip).
    """
    bucket, root = bronze_root(settings)
    s3 = client()
    out = []
    keys = _bronze_keys(bucket, root) if _bucket_exists(bucket) else {}
    for rel, size in sorted(keys.items(), key=lambda kv: (kv[0].rsplit("/", 1)[-1], kv[0])):
        meta: dict[str, str] = {}
        if rel not in known:
            meta = s3.head_object(Bucket=bucket, Key=root + rel).get("Metadata", {})
        out.append(
            SealedFile(
                path=settings.bronze_dir / rel,  # where a local copy would be; readers use uri
                rel=rel,
                sha256=meta.get("sha256", ""),
                bytes=size,
                lines=int(meta.get("lines", 0)),
                sealed_at=meta.get("sealed-at", ""),
                uri=f"s3://{bucket}/{root}{rel}",
            )
        )
    return out


def _bucket_exists(bucket: str) -> bool:
    # HeadBucket, not ListBuckets: a narrowly scoped role may not list every bucket.
    try:
        client().head_bucket(Bucket=bucket)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise
    return True
