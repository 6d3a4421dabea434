"""The Iceberg catalog factory: one place decides which catalog Silver lives in.

Locally a pyiceberg `SqlCatalog` on sqlite (`<home>/catalog.db`) with the warehouse
under `<home>/silver`; Glue in production is a later configuration of this function.
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
    uri = settings.catalog_uri
    if not uri.startswith("sqlite:///"):
        raise ConfigError(
            f"catalog {uri!r} is not supported yet; only a local sqlite catalog "
            "(sqlite:///<LAKEHOUSE_HOME>/catalog.db) is."
        )
    settings.silver_dir.mkdir(parents=True, exist_ok=True)
    return SqlCatalog(CATALOG_NAME, uri=uri, warehouse=settings.silver_dir.as_uri())


def catalog_exists(settings: Settings) -> bool:
    """True when a catalog was ever created here (so reading it creates nothing)."""
    uri = settings.catalog_uri
    return not uri.startswith("sqlite:///") or Path(uri.removeprefix("sqlite:///")).is_file()
