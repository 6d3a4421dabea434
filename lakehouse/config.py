"""Settings: the lake root and every path under it, the dbt target, ingest limits.

One place decides where things live. `LAKEHOUSE_HOME` (or `--home`) chooses the lake
root; everything else is derived from it so a whole lake can be moved or deleted as
one folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from lakehouse.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
SEEDS_DIR = PROJECT_ROOT / "seeds"
EXPERIMENTS_DIR = PROJECT_ROOT / "config" / "experiments"

DEFAULT_HOME = ".lakehouse"
TARGETS = ("dev", "ci", "prod")
CATALOGS = ("sql", "glue")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(
            f"{name}={raw!r} is not an integer; set it to a whole number or unset it."
        ) from exc


@dataclass(frozen=True)
class IngestLimits:
    """Limits enforced by ingest (ING-1, ING-5). Defaults follow SPEC.md."""

    max_batch_events: int = 500
    max_body_bytes: int = 1 << 20
    max_event_bytes: int = 64 << 10
    # Events stamped further than this in the future are `bad_timestamp`.
    max_future_skew_s: int = 24 * 3600
    # A Bronze file is sealed (made visible) when it reaches this size or age.
    roll_bytes: int = 64 << 20
    roll_seconds: float = 60.0

    @classmethod
    def from_env(cls) -> IngestLimits:
        return cls(
            max_future_skew_s=_env_int("LAKEHOUSE_MAX_FUTURE_SKEW_S", cls.max_future_skew_s),
            roll_bytes=_env_int("LAKEHOUSE_BRONZE_ROLL_BYTES", cls.roll_bytes),
            roll_seconds=float(_env_int("LAKEHOUSE_BRONZE_ROLL_SECONDS", int(cls.roll_seconds))),
        )


@dataclass(frozen=True)
class Settings:
    """Resolved paths for one lake root."""

    home: Path
    target: str = "dev"
    limits: IngestLimits = field(default_factory=IngestLimits)
    # CLOUD-3: `s3://bucket/prefix` puts Silver (and pushed Bronze) in S3; None keeps the
    # lake under `home`. `catalog` is the Iceberg catalog: sql (sqlite) or glue.
    storage_root: str | None = None
    catalog: str = "sql"

    @property
    def bronze_dir(self) -> Path:
        return self.home / "bronze"

    @property
    def dlq_dir(self) -> Path:
        return self.home / "dlq"

    @property
    def silver_dir(self) -> Path:
        return self.home / "silver"

    @property
    def catalog_uri(self) -> str:
        return f"sqlite:///{self.home / 'catalog.db'}"

    @property
    def warehouse_uri(self) -> str:
        """Where Iceberg writes Silver data and metadata files."""
        if self.storage_root:
            return f"{self.storage_root}/silver"
        return self.silver_dir.as_uri()

    @property
    def gold_path(self) -> Path:
        return self.home / "gold.duckdb"

    @property
    def state_dir(self) -> Path:
        return self.home / "state"

    @property
    def privacy_dir(self) -> Path:
        """Salt, tombstones and the audit log (PRIV-3): ids here are salted hashes only."""
        return self.home / "privacy"

    def ensure(self) -> Settings:
        for d in (self.home, self.bronze_dir, self.dlq_dir, self.silver_dir, self.state_dir):
            d.mkdir(parents=True, exist_ok=True)
        return self


def load_settings(
    home: str | os.PathLike[str] | None = None, target: str | None = None
) -> Settings:
    """Settings from arguments, then `LAKEHOUSE_HOME` / `LAKEHOUSE_TARGET`, then defaults."""
    raw_home = home if home is not None else os.environ.get("LAKEHOUSE_HOME") or DEFAULT_HOME
    tgt = target or os.environ.get("LAKEHOUSE_TARGET") or "dev"
    if tgt not in TARGETS:
        raise ConfigError(
            f"target {tgt!r} is unknown; use one of {', '.join(TARGETS)} (LAKEHOUSE_TARGET or --target)."
        )
    path = Path(raw_home).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ConfigError(
            f"LAKEHOUSE_HOME {path} is a file; point it at a folder (it is created if missing)."
        )
    return Settings(
        home=path,
        target=tgt,
        limits=IngestLimits.from_env(),
        storage_root=_storage_root(),
        catalog=_catalog(),
    )


def _storage_root() -> str | None:
    raw = os.environ.get("LAKEHOUSE_STORAGE_ROOT", "").strip()
    if not raw:
        return None
    if not raw.startswith("s3://") or len(raw) <= len("s3://"):
        raise ConfigError(
            f"LAKEHOUSE_STORAGE_ROOT={raw!r} is not an S3 location; set it to "
            "s3://<bucket>/<prefix> or unset it to keep the lake under LAKEHOUSE_HOME."
        )
    return raw.rstrip("/")


def _catalog() -> str:
    raw = os.environ.get("LAKEHOUSE_CATALOG", "").strip() or "sql"
    if raw not in CATALOGS:
        raise ConfigError(
            f"LAKEHOUSE_CATALOG={raw!r} is unknown; use sql (local sqlite) or glue (AWS Glue)."
        )
    if raw == "glue" and not os.environ.get("LAKEHOUSE_STORAGE_ROOT", "").strip():
        raise ConfigError(
            "LAKEHOUSE_CATALOG=glue needs LAKEHOUSE_STORAGE_ROOT=s3://<bucket>/<prefix> for "
            "the table files; set it, or use LAKEHOUSE_CATALOG=sql for a local lake."
        )
    return raw
