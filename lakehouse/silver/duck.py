"""DuckDB connections with the Iceberg extension loaded from the installed PyPI packages.

`INSTALL iceberg` needs the network, which we never have (SPEC §0); the
`duckdb-extension-{avro,iceberg,httpfs}` wheels ship the binaries, so we LOAD them by
path. Everything that reads Silver through DuckDB gets its connection here; `enable_s3`
adds s3:// reads and writes (CLOUD-3).
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path

import duckdb

from lakehouse.errors import ConfigError

# iceberg needs avro (manifests are Avro files), so avro is loaded first.
_EXTENSIONS = (("duckdb_extension_avro", "avro"), ("duckdb_extension_iceberg", "iceberg"))


@cache
def extension_path(package: str, name: str) -> Path:
    """Path of `<name>.duckdb_extension` inside the installed `package` for this DuckDB."""
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    version = duckdb.__version__
    for loc in locations:
        path = Path(loc) / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
        if path.is_file():
            return path
    raise ConfigError(
        f"DuckDB extension {name!r} for duckdb {version} is not installed (package {package}); "
        f"install the pinned dependencies (`make venv`) so {package}=={version} is present."
    )


def load_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """LOAD the offline avro + iceberg extensions into `con` (in dependency order)."""
    for package, name in _EXTENSIONS:
        con.execute(f"LOAD '{extension_path(package, name)}'")


def connect(path: str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that can `iceberg_scan('<metadata json>')`."""
    con = duckdb.connect(path, read_only=read_only)
    try:
        load_extensions(con)
    except BaseException:
        con.close()
        raise
    return con


def enable_s3(con: duckdb.DuckDBPyConnection) -> None:
    """LOAD httpfs and add an S3 secret from the AWS environment, so `con` reads and writes
    s3:// paths (iceberg_scan, read_parquet, read_ndjson) like local ones.

    Credentials come from boto3's credential chain (env, profile, instance role); an
    emulator in `AWS_ENDPOINT_URL` is reached with path-style URLs, without TLS for http.
    """
    import boto3

    from lakehouse.cloud.s3 import region

    con.execute(f"LOAD '{extension_path('duckdb_extension_httpfs', 'httpfs')}'")
    creds = boto3.Session().get_credentials()
    if creds is None:
        raise ConfigError(
            "no AWS credentials found for reading s3:// in DuckDB; set AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY or AWS_PROFILE (the standard AWS credential chain)."
        )
    frozen = creds.get_frozen_credentials()
    parts = {
        "TYPE": "s3",
        "KEY_ID": _lit(frozen.access_key or ""),
        "SECRET": _lit(frozen.secret_key or ""),
        "REGION": _lit(region()),
    }
    if frozen.token:
        parts["SESSION_TOKEN"] = _lit(frozen.token)
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if endpoint:
        scheme, _, host = endpoint.partition("://")
        parts.update(
            ENDPOINT=_lit(host.rstrip("/")),
            USE_SSL="true" if scheme == "https" else "false",
            URL_STYLE="'path'",
        )
    body = ", ".join(f"{k} {v}" for k, v in parts.items())
    con.execute(f"CREATE OR REPLACE SECRET lakehouse_s3 ({body})")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
