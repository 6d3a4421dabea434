"""The Iceberg catalog factory: one place decides which catalog Silver lives in.

Locally a pyiceberg `SqlCatalog` on sqlite (`<home>/catalog.db`) with the warehouse
under `<home>/silver`; with `LAKEHOUSE_CATALOG=glue` an AWS Glue catalog with the
warehouse under `LAKEHOUSE_STORAGE_ROOT` (s3://…/silver), the same tables either way.
"""

from __future__ import annotations

from pathlib import Path

from pyiceberg.catalog import Catalog
from pyiceberg.catalog.sql import SqlCatalog

from lakehouse.config import Settings
from lakehouse.errors import ConfigError

CATALOG_NAME = "lakehouse"


def load_catalog(settings: Settings) -> Catalog:
    """The catalog holding `lake.events` for this lake (created on first use)."""
    if settings.catalog == "glue":
        from pyiceberg.catalog.glue import GlueCatalog

        from lakehouse.cloud.s3 import iceberg_properties

        return GlueCatalog(CATALOG_NAME, warehouse=settings.warehouse_uri, **iceberg_properties())
    uri = settings.catalog_uri
    if not uri.startswith("sqlite:///"):
        raise ConfigError(
            f"catalog {uri!r} is not supported yet; only a local sqlite catalog "
            "(sqlite:///<LAKEHOUSE_HOME>/catalog.db) is."
        )
    settings.silver_dir.mkdir(parents=True, exist_ok=True)
    if settings.storage_root:
        from lakehouse.cloud.s3 import iceberg_properties

        return SqlCatalog(
            CATALOG_NAME, uri=uri, warehouse=settings.warehouse_uri, **iceberg_properties()
        )
    return SqlCatalog(CATALOG_NAME, uri=uri, warehouse=settings.silver_dir.as_uri())


def catalog_exists(settings: Settings) -> bool:
    """True when a catalog was ever created here (so reading it creates nothing)."""
    if settings.catalog == "glue":
        return True  # Glue always exists; a missing table is reported by load_table
    uri = settings.catalog_uri
    return not uri.startswith("sqlite:///") or Path(uri.removeprefix("sqlite:///")).is_file()
