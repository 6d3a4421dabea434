"""Ingest: the schema registry, event validation, the HTTP endpoint, Bronze and the DLQ."""
