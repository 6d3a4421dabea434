"""Every exception a user can cause, in one place.

Each carries a message that names the input, the rule it broke and the fix, so the
CLI can print it as-is and exit non-zero without a traceback.
"""

from __future__ import annotations


class LakehouseError(Exception):
    """Base class: a failure the user can act on. `str(err)` is the whole message."""

    exit_code: int = 1


class ConfigError(LakehouseError):
    """A setting, path or environment variable is missing or malformed."""


class SchemaRegistryError(LakehouseError):
    """`schemas/` is malformed: a bad schema file, a bad example, or drift without a version bump."""


class IngestError(LakehouseError):
    """Ingest cannot accept data (e.g. the Bronze volume is full or not writable)."""


class InputFileError(LakehouseError):
    """A file handed to a command cannot be read as expected."""


class LakeEmptyError(LakehouseError):
    """A stage was asked to read a layer that has nothing in it yet."""


class PipelineError(LakehouseError):
    """A pipeline stage (refine, dbt build, analysis) failed."""


class InvalidArgumentError(LakehouseError, ValueError):
    """An argument names a table, metric, column or date that does not exist or is malformed."""


class SqlPortabilityError(LakehouseError):
    """SQL does not parse in its dialect, or `sql transpile --strict` found non-portable constructs."""


class MetricError(LakehouseError):
    """A metric file is missing, malformed, or was asked for an impossible window."""


class AlertDeliveryError(LakehouseError):
    """The alert webhook is misconfigured (not an http(s) URL)."""


class PrivacyError(LakehouseError):
    """A privacy operation (DSAR delete, retention) cannot run or did not finish cleanly."""


class AuditError(LakehouseError):
    """The audit log is malformed or was edited: its hash chain does not verify."""


class AccessDeniedError(LakehouseError):
    """The access policy does not let the caller's role read a table, column or row."""

    exit_code = 3
