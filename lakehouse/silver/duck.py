"""DuckDB connections with the Iceberg extension loaded from the installed PyPI packages.

`INSTALL iceberg` needs the network, which we never have (SPEC §0); the
`duckdb-extension-{avro,iceberg}` wheels ship the binaries, so we LOAD them by path.
Everything that reads Silver through DuckDB gets its connection here.
"""

from __future__ import annotations

import importlib.util
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
