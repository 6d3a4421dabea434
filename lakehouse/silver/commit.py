"""Committing a refine batch's Parquet files to `lake.events`, and finding out later
whether a batch committed.

DuckDB writes the files (much faster than pyiceberg's writer, SPEC §0); pyiceberg
only records them: one fast-append snapshot per batch whose summary carries
`lakehouse.refine-batch = <batch id>`. The catalog swap of the metadata pointer is
atomic, so after a crash the batch either is in the table or is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from pyiceberg.exceptions import CommitFailedException
from pyiceberg.io.pyarrow import (
    MetricModeTypes,
    MetricsMode,
    StatisticsCollector,
    compute_statistics_plan,
    data_file_statistics_from_parquet_metadata,
    parquet_path_to_id_mapping,
)
from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
from pyiceberg.schema import Schema
from pyiceberg.table import Table
from pyiceberg.table.metadata import TableMetadata

from lakehouse.errors import PipelineError
from lakehouse.silver.parquet import NO_STATISTICS
from lakehouse.silver.storage import (
    Location,
    as_location,
    delete,
    footer,
    list_files,
    recorded_uri,
    table_data_dir,
)
from lakehouse.silver.storage import file_uri as file_uri  # DSAR's imports stay here
from lakehouse.silver.storage import local_path as local_path
from lakehouse.silver.tables import REFINE_BATCH_PROPERTY

COMMIT_RETRIES = 5


def data_dir(table: Table) -> Location:
    """Where refine writes `table`'s data files (a local folder, or an s3:// URI)."""
    return table_data_dir(table.location())


def _statistics_plan(schema: Schema, meta: TableMetadata) -> dict[int, StatisticsCollector]:
    """The table's metrics plan, minus the columns refine writes without Parquet
    statistics (`NO_STATISTICS`): asked for, pyiceberg would warn once per file and column."""
    none = MetricsMode(MetricModeTypes.NONE)
    return {
        fid: replace(col, mode=none) if col.column_name.split(".")[0] in NO_STATISTICS else col
        for fid, col in compute_statistics_plan(schema, meta.properties).items()
    }


def _data_file(table: Table, path: Location) -> DataFile:
    """A DataFile (partition, counts, bounds) from a Parquet file's footer.

    Like pyiceberg's `add_files`, minus its schema check: DuckDB marks every Parquet
    column optional, so a required column is checked for nulls here instead.
    """
    meta = table.metadata
    schema = meta.schema()
    parquet, size = footer(path)
    stats = data_file_statistics_from_parquet_metadata(
        parquet_metadata=parquet,
        stats_columns=_statistics_plan(schema, meta),
        parquet_column_mapping=parquet_path_to_id_mapping(schema),
    )
    df = DataFile.from_args(
        content=DataFileContent.DATA,
        file_path=recorded_uri(path),
        file_format=FileFormat.PARQUET,
        partition=stats.partition(meta.spec(), schema),
        file_size_in_bytes=size,
        sort_order_id=None,
        spec_id=meta.default_spec_id,
        equality_ids=None,
        key_metadata=None,
        **stats.to_serialized_dict(),
    )
    for field in schema.fields:
        if field.required and df.null_value_counts.get(field.field_id, 0):
            raise PipelineError(
                f"{path}: required column {field.name} has nulls; the batch was not committed."
            )
    return df


def data_file_for(table: Table, path: Location) -> DataFile:
    """The DataFile to record for a Parquet file written for `table` (DSAR rewrites too)."""
    return _data_file(table, path)


def commit_batch(table: Table, paths: Sequence[str], batch_id: str) -> int:
    """Append `paths` to `table` as one snapshot tagged with `batch_id`; its snapshot id.

    A concurrent commit by another writer (e.g. a DSAR delete) is retried on the
    refreshed table; the files stay valid because refine alone adds rows.
    """
    files = [_data_file(table, as_location(p)) for p in paths]
    for attempt in range(COMMIT_RETRIES):
        try:
            with table.transaction() as tx:
                update = tx.update_snapshot(snapshot_properties={REFINE_BATCH_PROPERTY: batch_id})
                with update.fast_append() as append:
                    for df in files:
                        append.append_data_file(df)
            break
        except CommitFailedException:
            if attempt == COMMIT_RETRIES - 1:
                raise
            table.refresh()
    snapshot = table.current_snapshot()
    assert snapshot is not None
    return snapshot.snapshot_id


def committed_batches(table: Table, batch_ids: Iterable[str]) -> set[str]:
    """The subset of `batch_ids` that some snapshot of `table` recorded."""
    wanted = set(batch_ids)
    found = set()
    for snap in table.snapshots():
        tag = (
            snap.summary.additional_properties.get(REFINE_BATCH_PROPERTY) if snap.summary else None
        )
        if tag in wanted:
            found.add(tag)
    return found


def batch_files(table: Table, batch_id: str) -> list[Location]:
    """Parquet files written for `batch_id` (committed or not), locally or on S3."""
    return list_files(data_dir(table), f"rb-{batch_id}-*.parquet")


def remove_batch_files(table: Table, batch_id: str) -> None:
    """Delete the files of a batch that was not (and will not be) committed."""
    for location in batch_files(table, batch_id):
        delete(location)


def referenced(table: Table, files: Sequence[Location]) -> bool:
    """True when the table's current snapshot references any of `files`."""
    if not files or table.current_snapshot() is None:
        return False
    uris = {recorded_uri(f) for f in files}
    return any(task.file.file_path in uris for task in table.scan().plan_files())
