"""Deterministic marketplace event generator with planted truths (`generate`, `Truth`)."""

from __future__ import annotations

from lakehouse.simulate.generator import DEFAULT_DAYS, DEFAULT_START, generate
from lakehouse.simulate.truth import Truth, load_truth, truth_path

__all__ = ["DEFAULT_DAYS", "DEFAULT_START", "Truth", "generate", "load_truth", "truth_path"]
