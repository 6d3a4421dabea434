"""Where Silver's data files live: the local warehouse or S3 (CLOUD-3).

A location is a local `Path` (the default lake: plain file calls, nothing in between)
or an `s3://bucket/key` string, reached through pyarrow's S3FileSystem. Refine's
Parquet writes, commit's footer reads and crash recovery's list/delete go through the
functions here, so the rest of Silver does not care which one it has.

pyarrow's S3 client does not read `AWS_ENDPOINT_URL`, so an emulator endpoint is
passed explicitly (as `cloud.s3.iceberg_properties` does for pyiceberg's FileIO);
credentials come from the standard AWS chain.
"""

from __future__ import annotations

import fnmatch
import os
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from lakehouse.errors import PipelineError

Location = Path | str  # a local path, or an s3:// URI


def is_s3(location: Location | str) -> bool:
    return isinstance(location, str) and location.startswith("s3://")


def local_path(uri: str) -> Path:
    """A local table location or file URI as a path; an S3 URI is refused by name."""
    if uri.startswith("file://"):
        return Path(uri.removeprefix("file://"))
    if "://" in uri:
        raise PipelineError(
            f"{uri}: this step handles Silver files of a local warehouse only; on S3 only "
            "refine and reads are supported so far."
        )
    return Path(uri)


def file_uri(path: Path) -> str:
    """The URI recorded in the table for a local file (not percent-encoded, like pyiceberg's)."""
    return f"file://{path.resolve()}"


def recorded_uri(location: Location) -> str:
    """The file path an Iceberg manifest records for `location`."""
    return location if isinstance(location, str) else file_uri(location)


def table_data_dir(location: str) -> Location:
    """The `data` folder under an Iceberg table location."""
    if is_s3(location):
        return location.rstrip("/") + "/data"
    return local_path(location) / "data"


def reader_path(uri: str) -> str:
    """What DuckDB reads for a recorded file: the local path, or the s3:// URI (httpfs)."""
    return uri if is_s3(uri) else str(local_path(uri))


@cache
def _s3(region: str, endpoint: str | None) -> pafs.S3FileSystem:
    if not endpoint:
        return pafs.S3FileSystem(region=region)
    scheme, _, host = endpoint.partition("://")
    return pafs.S3FileSystem(region=region, endpoint_override=host, scheme=scheme)


def s3_filesystem() -> pafs.S3FileSystem:
    """pyarrow's S3 filesystem for the current AWS environment (cached per endpoint)."""
    from lakehouse.cloud.s3 import region

    return _s3(region(), os.environ.get("AWS_ENDPOINT_URL") or None)


def _s3_key(uri: str) -> str:
    """`s3://bucket/key` → `bucket/key`, the path pyarrow's S3 filesystem takes."""
    return uri.removeprefix("s3://")


def write_parquet(table: pa.Table, folder: Location, name: str, **options: Any) -> str:
    """Write a pyarrow `table` as `folder/name`; returns the written file as str
    (the local path, or the s3:// URI)."""
    if isinstance(folder, str):
        uri = f"{folder.rstrip('/')}/{name}"
        pq.write_table(table, _s3_key(uri), filesystem=s3_filesystem(), **options)
        return uri
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, **options)
    return str(path)


def as_location(written: str) -> Location:
    """A string `write_parquet` returned, back as a location."""
    return written if is_s3(written) else Path(written)


def footer(location: Location) -> tuple[pq.FileMetaData, int]:
    """A Parquet file's footer and its size in bytes."""
    if isinstance(location, str):
        fs, key = s3_filesystem(), _s3_key(location)
        size = fs.get_file_info(key).size
        with fs.open_input_file(key) as fh:
            return pq.read_metadata(fh), int(size or 0)
    return pq.read_metadata(location), os.path.getsize(location)


def list_files(folder: Location, name_glob: str) -> list[Location]:
    """Files matching `*/<name_glob>` one level below `folder` (a partition folder)."""
    if isinstance(folder, Path):
        return sorted(folder.glob(f"*/{name_glob}")) if folder.is_dir() else []
    fs = s3_filesystem()
    infos = fs.get_file_info(
        pafs.FileSelector(_s3_key(folder), allow_not_found=True, recursive=True)
    )
    return sorted(
        f"s3://{i.path}"
        for i in infos
        if i.type == pafs.FileType.File and fnmatch.fnmatch(i.base_name, name_glob)
    )


def delete(location: Location) -> None:
    """Remove a file; a file already gone is fine (a re-run of recovery)."""
    if isinstance(location, Path):
        location.unlink(missing_ok=True)
        return
    # boto3, not pyarrow: pyarrow's delete_file leaves an empty "folder/" marker object
    # behind when it removes the last file under a prefix. S3 deletes are idempotent.
    from lakehouse.cloud.s3 import client, split_uri

    bucket, key = split_uri(location)
    client().delete_object(Bucket=bucket, Key=key)
