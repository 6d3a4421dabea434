"""Lakehouse: a local-first analytics lakehouse for a two-sided marketplace."""

from __future__ import annotations

__version__ = "0.1.0"
