"""Experiments: configuration, sticky assignment (`assign`), and statistics (EXP-1..5)."""

from __future__ import annotations
