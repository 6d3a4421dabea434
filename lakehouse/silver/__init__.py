"""Silver: Bronze NDJSON refined into the Iceberg table `lake.events` (SPEC LAKE-2).

`refine.refine(settings)` is the entry point; `tables.current_metadata_location`
is what DuckDB readers (transform, dbt) pass to `iceberg_scan`.
"""
