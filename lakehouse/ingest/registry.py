"""The schema registry: `schemas/` loaded, checked against Draft 2020-12 and compiled.

Layout (see `schemas/README.md`): `envelope/v1.schema.json`, and one payload schema per
`(event_name, event_version)` at `events/<event_name>/v<N>.schema.json`, each with a
`v<N>.examples.json` of valid and invalid whole events. `registry.lock.json` freezes
the required fields and declared types of every published version (the drift check).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from lakehouse.config import SCHEMAS_DIR
from lakehouse.errors import SchemaRegistryError
from lakehouse.ingest.schema_compile import Predicate, compile_schema

EVENT_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_VERSION_FILE_RE = re.compile(r"^v([1-9][0-9]*)\.schema\.json$")
LOCK_FILE = "registry.lock.json"


@dataclass(frozen=True)
class Contract:
    """One schema file: its identity, raw JSON, compiled predicate and declared fields."""

    key: str  # "envelope/v1" or "events/<name>/v<N>" — also its path stem under schemas/
    name: str
    version: int
    path: Path
    schema: Mapping[str, Any]
    check: Predicate = field(repr=False, compare=False)
    validator: Draft202012Validator = field(repr=False, compare=False)
    declared: frozenset[str]
    required: tuple[str, ...]

    def fingerprint(self) -> dict[str, Any]:
        """What the drift check freezes: required fields and each declared field's type."""
        props = self.schema.get("properties", {})
        types = {k: v.get("type") for k, v in sorted(props.items()) if isinstance(v, dict)}
        return {"required": sorted(self.required), "types": types}


@dataclass(frozen=True)
class Registry:
    root: Path
    envelope: Contract
    events: Mapping[tuple[str, int], Contract]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(n for n, _ in self.events)

    def versions(self, name: str) -> list[int]:
        return sorted(v for n, v in self.events if n == name)

    def all(self) -> list[Contract]:
        return [self.envelope, *(self.events[k] for k in sorted(self.events))]


def _read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise SchemaRegistryError(f"{path}: not valid JSON ({exc}); fix the file.") from exc


def _contract(root: Path, path: Path, key: str, name: str, version: int) -> Contract:
    schema = _read_json(path)
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise SchemaRegistryError(
            f'{path}: a contract must be a JSON Schema with "type": "object".'
        )
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise SchemaRegistryError(
            f"{path}: not a valid Draft 2020-12 schema: {exc.message}"
        ) from exc
    rel = str(path.relative_to(root))
    return Contract(
        key=key,
        name=name,
        version=version,
        path=path,
        schema=schema,
        check=compile_schema(schema, rel),
        validator=Draft202012Validator(schema),
        declared=frozenset(schema.get("properties", {})),
        required=tuple(schema.get("required", [])),
    )


def load_registry(root: Path | None = None) -> Registry:
    """Load and compile every schema under `root` (default: the project's `schemas/`)."""
    root = (root or SCHEMAS_DIR).resolve()
    env_path = root / "envelope" / "v1.schema.json"
    if not env_path.is_file():
        raise SchemaRegistryError(
            f"{env_path} is missing: the envelope v1 schema is required (SPEC ING-2)."
        )
    envelope = _contract(root, env_path, "envelope/v1", "envelope", 1)
    events: dict[tuple[str, int], Contract] = {}
    events_dir = root / "events"
    for folder in (
        sorted(p for p in events_dir.iterdir() if p.is_dir()) if events_dir.is_dir() else []
    ):
        if not EVENT_NAME_RE.match(folder.name):
            raise SchemaRegistryError(
                f"{folder}: {folder.name!r} is not a dotted lower-case event name (e.g. search.query)."
            )
        for path in sorted(folder.glob("*.schema.json")):
            m = _VERSION_FILE_RE.match(path.name)
            if not m:
                raise SchemaRegistryError(f"{path}: schema files must be named v<N>.schema.json.")
            version = int(m.group(1))
            key = f"events/{folder.name}/v{version}"
            events[(folder.name, version)] = _contract(root, path, key, folder.name, version)
    if not events:
        raise SchemaRegistryError(
            f"{events_dir}: no event schemas found; add events/<name>/v1.schema.json."
        )
    return Registry(root=root, envelope=envelope, events=events)


@cache
def default_registry() -> Registry:
    """The project's registry, loaded once per process."""
    return load_registry()


# ---------------------------------------------------------------- drift check (ING-3)


def lock_path(registry: Registry) -> Path:
    return registry.root / LOCK_FILE


def build_lock(registry: Registry) -> dict[str, Any]:
    return {c.key: c.fingerprint() for c in registry.all()}


def write_lock(registry: Registry, *, allow_changes: bool = False) -> list[str]:
    """Add new versions to the lock. Refuses to rewrite a frozen version unless told to."""
    path = lock_path(registry)
    problems = drift_problems(registry, ignore_new=True) if path.exists() else []
    if problems and not allow_changes:
        raise SchemaRegistryError("refusing to lock over drift:\n" + "\n".join(problems))
    old = _read_json(path) if path.exists() else {}
    new = build_lock(registry)
    path.write_bytes(orjson.dumps(new, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    return sorted(set(new) - set(old))


def drift_problems(registry: Registry, *, ignore_new: bool = False) -> list[str]:
    """Every difference between the schemas and the committed lock, as fix-it messages."""
    path = lock_path(registry)
    if not path.exists():
        return [f"{path} is missing: run `lakehouse schemas lock` and commit it."]
    locked: dict[str, Any] = _read_json(path)
    current = build_lock(registry)
    problems: list[str] = []
    for key, frozen in sorted(locked.items()):
        if key not in current:
            problems.append(
                f"schemas/{key}.schema.json was removed: published versions are frozen "
                "(old clients still send them); restore the file."
            )
            continue
        now = current[key]
        added = sorted(set(now["required"]) - set(frozen["required"]))
        removed = sorted(set(frozen["required"]) - set(now["required"]))
        if added or removed:
            name, _, ver = key.rpartition("/v")
            problems.append(
                f"schemas/{key}.schema.json changed its required fields without a version bump "
                f"(added: {', '.join(added) or '-'}; removed: {', '.join(removed) or '-'}). "
                f"Revert it and put the change in schemas/{name}/v{int(ver) + 1}.schema.json."
            )
        for fname, ftype in frozen["types"].items():
            if fname in now["types"] and now["types"][fname] != ftype:
                problems.append(
                    f"schemas/{key}.schema.json changed the type of {fname!r} from {ftype} to "
                    f"{now['types'][fname]} without a version bump; revert it or add a new version."
                )
    if not ignore_new:
        for key in sorted(set(current) - set(locked)):
            problems.append(
                f"schemas/{key}.schema.json is not in {LOCK_FILE}: run `lakehouse schemas lock` and commit it."
            )
    return problems
