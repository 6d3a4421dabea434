"""Silver: Bronze NDJSON refined into the Iceberg table `lake.events` (SPEC LAKE-2).

`refine.refine(settings)` is the entry point; `tables.current_metadata_location`
is what DuckDB readers (transform, dbt) pass to `iceberg_scan`.
"""

# Bronze MiB per refine batch (one Iceberg commit each), here so that `lakehouse refine
# --help` shows it without importing refine. Peak memory grows with it: at 10M events,
# 256 MiB peaked at 2.5 GB and took 46 s; 384 MiB, 3.1 GB and 42.6 s; 512 MiB, 3.5 GB.
BATCH_MB = 384
