"""Analyst workbench: `lakehouse.open()` (Python API) and `lakehouse shell` over Silver and Gold."""

from __future__ import annotations

from lakehouse.workbench.lake import Lake, open_lake
from lakehouse.workbench.metrics import METRICS, Metric

__all__ = ["METRICS", "Lake", "Metric", "open_lake"]
