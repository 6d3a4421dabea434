"""The access policy: roles, their tables, denied columns and city row filters.

Loaded from `config/access.yml` (or `$LAKEHOUSE_ACCESS_POLICY`). City names are
resolved to city ids with `seeds/cities.csv`, so a table keyed by `city_id` is
filtered by the same cities as one with `city_name`.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from lakehouse.config import PROJECT_ROOT, SEEDS_DIR
from lakehouse.errors import AccessDeniedError, ConfigError

POLICY_FILE = PROJECT_ROOT / "config" / "access.yml"
ROLES = ("admin", "analyst", "support", "finance")
DEFAULT_ROLE = "admin"  # the lake owner on a laptop; deployments set LAKEHOUSE_ROLE
CITY_COLUMNS = ("city_name", "city_id")


@dataclass(frozen=True)
class Role:
    name: str
    tables: tuple[str, ...]
    deny_columns: frozenset[str] = frozenset()
    cities: tuple[str, ...] = ()
    city_ids: tuple[str, ...] = ()
    description: str = ""
    # PRIV-1: may read the private Silver area (`private.pii_hashes`). The local query
    # layer serves Gold only, so this only ever becomes a Lake Formation grant.
    may_read_private: bool = False

    @property
    def unrestricted(self) -> bool:
        return self.tables == ("*",) and not self.deny_columns and not self.cities

    def may_read_table(self, table: str) -> bool:
        return any(fnmatchcase(table, pattern) for pattern in self.tables)

    def denies(self, table: str, column: str) -> bool:
        return column in self.deny_columns or f"{table}.{column}" in self.deny_columns

    def row_filter(self, columns: list[str]) -> str | None:
        """SQL predicate limiting rows to the role's cities, None = all rows.

        Raises when the role is city-limited and the table has no city column."""
        if not self.cities:
            return None
        if "city_name" in columns:
            return "city_name IN (" + ", ".join(_lit(c) for c in self.cities) + ")"
        if "city_id" in columns:
            return "city_id IN (" + ", ".join(_lit(c) for c in self.city_ids) + ")"
        return ""


@dataclass(frozen=True)
class Policy:
    path: Path
    roles: dict[str, Role] = field(default_factory=dict)

    def role(self, name: str | None) -> Role:
        wanted = name or os.environ.get("LAKEHOUSE_ROLE") or DEFAULT_ROLE
        if wanted not in self.roles:
            raise AccessDeniedError(
                f"role {wanted!r} is not declared in {self.path}; use one of "
                f"{', '.join(sorted(self.roles))} (--role or LAKEHOUSE_ROLE)."
            )
        return self.roles[wanted]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _city_ids() -> dict[str, str]:
    with open(SEEDS_DIR / "cities.csv", newline="") as fh:
        return {row["city_name"]: row["city_id"] for row in csv.DictReader(fh)}


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ConfigError(f"{where} must be a list of strings; fix the access policy.")
    return tuple(raw)


def _flag(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise ConfigError(f"{where} must be true or false; fix the access policy.")
    return raw


def load_policy(path: Path | None = None) -> Policy:
    """The policy at `path` (default `$LAKEHOUSE_ACCESS_POLICY`, else config/access.yml)."""
    file = path or Path(os.environ.get("LAKEHOUSE_ACCESS_POLICY") or POLICY_FILE)
    try:
        doc = yaml.safe_load(file.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"access policy {file} cannot be read ({exc}); fix or restore it."
        ) from None
    raw_roles = doc.get("roles") if isinstance(doc, dict) else None
    if not isinstance(raw_roles, dict):
        raise ConfigError(
            f"access policy {file} has no `roles:` mapping; declare {', '.join(ROLES)}."
        )
    missing = [r for r in ROLES if r not in raw_roles]
    if missing:
        raise ConfigError(
            f"access policy {file} does not declare role(s) {', '.join(missing)}; add them."
        )
    known = _city_ids()
    roles = {}
    for name, spec in raw_roles.items():
        where = f"{file}: roles.{name}"
        if not isinstance(spec, dict):
            raise ConfigError(f"{where} must be a mapping with `tables:`; fix the access policy.")
        cities = _strings(spec.get("cities"), f"{where}.cities")
        unknown = [c for c in cities if c not in known]
        if unknown:
            raise ConfigError(
                f"{where}.cities names {', '.join(unknown)}, not in seeds/cities.csv; use a listed city name."
            )
        roles[name] = Role(
            name=name,
            tables=_strings(spec.get("tables"), f"{where}.tables"),
            deny_columns=frozenset(_strings(spec.get("deny_columns"), f"{where}.deny_columns")),
            cities=cities,
            city_ids=tuple(known[c] for c in cities),
            description=str(spec.get("description", "")),
            may_read_private=_flag(spec.get("private_area", False), f"{where}.private_area"),
        )
    return Policy(file, roles)
