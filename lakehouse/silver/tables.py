"""The Silver table `lake.events`: its columns, Iceberg schema, partitioning and location.

Columns follow the registry's envelope (SPEC ING-2) in declared order, so a field
added to the envelope becomes a new column (schema evolution, never a rewrite):
scalars map to their Iceberg type, an object with declared properties (`consent`)
is flattened to `<field>_<property>`, `payload` is a `map<string,string>` of the
declared payload fields. Ingest metadata columns follow `event_ts`; `_raw` and
`silver_loaded_at` close the row. This column list is the contract dbt reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError, TableAlreadyExistsError
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.table import Table
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import (
    BooleanType,
    DateType,
    DoubleType,
    IcebergType,
    IntegerType,
    LongType,
    MapType,
    NestedField,
    StringType,
    TimestamptzType,
)

from lakehouse.config import Settings
from lakehouse.errors import PipelineError, SchemaRegistryError
from lakehouse.ingest.registry import Registry
from lakehouse.silver.catalog import catalog_exists, load_catalog

NAMESPACE = "lake"
EVENTS = f"{NAMESPACE}.events"
REFINE_BATCH_PROPERTY = "lakehouse.refine-batch"  # snapshot summary key naming the refine batch
TABLE_PROPERTIES = {"format-version": "2", "write.parquet.compression-codec": "zstd"}

# Column kinds → Iceberg types. `json` is a string holding compact JSON.
_ICEBERG: dict[str, IcebergType] = {
    "string": StringType(),
    "json": StringType(),
    "int": IntegerType(),
    "long": LongType(),
    "double": DoubleType(),
    "boolean": BooleanType(),
    "timestamptz": TimestamptzType(),
    "date": DateType(),
}
# The contract types event_version as int although JSON Schema only says "integer".
_KIND_OVERRIDES = {"event_version": "int"}


@dataclass(frozen=True)
class Column:
    """One Silver column and where its value comes from in the Bronze event."""

    name: str
    kind: str  # a key of _ICEBERG, or "map" (payload)
    path: tuple[str, ...] = ()  # JSON path inside the event; () = not from the event
    required: bool = False

    @property
    def iceberg_type(self) -> IcebergType:
        return _ICEBERG[self.kind]


_AFTER_EVENT_TS = (
    Column("event_dt", "date"),
    Column("received_at", "timestamptz"),
    Column("batch_id", "string"),
    Column("bronze_file", "string"),
)
_TRAILING = (Column("_raw", "string"), Column("silver_loaded_at", "timestamptz"))


def _kind(prop: Mapping[str, Any]) -> str:
    raw = prop.get("type")
    types = [raw] if isinstance(raw, str) else list(raw or [])
    non_null = [t for t in types if t != "null"]
    if len(non_null) != 1:
        return "json"  # untyped or a union: keep the value as JSON text
    t = non_null[0]
    if t == "string":
        return "timestamptz" if prop.get("format") == "date-time" else "string"
    return {"integer": "long", "number": "double", "boolean": "boolean"}.get(t, "json")


def silver_columns(registry: Registry) -> list[Column]:
    """Every column of `lake.events` for this registry, in table order."""
    props: Mapping[str, Any] = registry.envelope.schema.get("properties", {})
    cols: list[Column] = []
    for name, prop in props.items():
        if name == "payload":
            cols.append(Column("payload", "map", ("payload",)))
        elif _kind(prop) == "json" and isinstance(prop.get("properties"), dict):
            cols.extend(
                Column(f"{name}_{sub}", _kind(sp), (name, sub))
                for sub, sp in prop["properties"].items()
            )
        else:
            kind = _KIND_OVERRIDES.get(name, _kind(prop))
            cols.append(Column(name, kind, (name,), required=name == "event_id"))
        if name == "event_ts":
            cols.extend(_AFTER_EVENT_TS)
    cols.extend(_TRAILING)
    names = [c.name for c in cols]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash or "event_ts" not in props or "payload" not in props:
        where = registry.envelope.path
        raise SchemaRegistryError(
            f"{where}: cannot derive Silver columns (duplicate {clash or 'none'}; event_ts and payload "
            "must be declared); rename the envelope field that collides with a Silver column."
        )
    return cols


def object_fields(registry: Registry) -> dict[str, frozenset[str]]:
    """Envelope fields flattened into columns (e.g. consent) → their declared properties."""
    props: Mapping[str, Any] = registry.envelope.schema.get("properties", {})
    return {
        name: frozenset(p["properties"])
        for name, p in props.items()
        if name != "payload" and _kind(p) == "json" and isinstance(p.get("properties"), dict)
    }


def _field(field_id: int, col: Column) -> tuple[NestedField, int]:
    if col.kind == "map":
        typ = MapType(field_id + 1, StringType(), field_id + 2, StringType(), value_required=False)
        return NestedField(field_id, col.name, typ, required=False), field_id + 3
    return NestedField(field_id, col.name, col.iceberg_type, required=col.required), field_id + 1


def events_schema(registry: Registry) -> Schema:
    """The pyiceberg Schema of `lake.events` for this registry."""
    fields: list[NestedField] = []
    next_id = 1
    for col in silver_columns(registry):
        f, next_id = _field(next_id, col)
        fields.append(f)
    return Schema(*fields)


def events_partition_spec(schema: Schema) -> PartitionSpec:
    """Identity on `event_dt` (the UTC date of event_ts)."""
    source = schema.find_field("event_dt").field_id
    return PartitionSpec(
        PartitionField(
            source_id=source, field_id=1000, transform=IdentityTransform(), name="event_dt"
        )
    )


def _column_kind(field: NestedField) -> str:
    if isinstance(field.field_type, MapType):
        return "map"
    for kind, typ in _ICEBERG.items():
        if field.field_type == typ:
            return "string" if kind == "json" else kind
    return str(field.field_type)


def ensure_events_table(catalog: Catalog, registry: Registry) -> tuple[Table, list[str]]:
    """Load `lake.events` (creating it on first use) and add columns the registry gained.

    Returns the table and the names of columns added now. A column whose type the
    registry changed incompatibly is an error, never a silent rewrite.
    """
    catalog.create_namespace_if_not_exists(NAMESPACE)
    try:
        table = catalog.load_table(EVENTS)
    except NoSuchTableError:
        schema = events_schema(registry)
        try:
            table = catalog.create_table(
                EVENTS,
                schema,
                partition_spec=events_partition_spec(schema),
                properties=TABLE_PROPERTIES,
            )
        except TableAlreadyExistsError:
            table = catalog.load_table(EVENTS)
        return table, []
    current = {f.name: f for f in table.schema().fields}
    missing: list[Column] = []
    for col in silver_columns(registry):
        have = current.get(col.name)
        if have is None:
            missing.append(col)
            continue
        kind = "string" if col.kind == "json" else col.kind
        was = _column_kind(have)
        if kind != was:
            raise PipelineError(
                f"{EVENTS}.{col.name} is {was} but the registry ({registry.envelope.path}) now makes it "
                f"{kind}; Iceberg cannot change that type in place — declare a new field name instead."
            )
    if not missing:
        return table, []
    with table.update_schema() as update:
        for col in missing:
            typ: IcebergType = (
                MapType(1, StringType(), 2, StringType(), value_required=False)
                if col.kind == "map"
                else col.iceberg_type
            )
            update.add_column(col.name, typ, doc=f"envelope field {'.'.join(col.path)}")
    return catalog.load_table(EVENTS), [c.name for c in missing]


def load_table_if_any(settings: Settings, name: str) -> Table | None:
    """Iceberg table `name`, or None when this lake has no catalog or no such table yet."""
    if not catalog_exists(settings):
        return None
    try:
        return load_catalog(settings).load_table(name)
    except NoSuchTableError:
        return None


def load_events_table(settings: Settings) -> Table | None:
    """`lake.events`, or None when nothing was ever refined into this lake."""
    return load_table_if_any(settings, EVENTS)


def current_metadata_location(settings: Settings) -> str | None:
    """The current metadata JSON of `lake.events` (for DuckDB `iceberg_scan`), or None."""
    table = load_events_table(settings)
    return table.metadata_location if table is not None else None
