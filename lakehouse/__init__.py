"""Lakehouse: a local-first analytics lakehouse for a two-sided marketplace."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lakehouse.workbench.lake import Lake

__version__ = "0.1.0"


def open(home: str | os.PathLike[str] | None = None) -> Lake:
    """Open the lake at `home` (default: $LAKEHOUSE_HOME, else ./.lakehouse) for analysis.

    Imported lazily: the CLI imports this package and must not pay for polars/pyiceberg.
    """
    from lakehouse.workbench.lake import open_lake

    return open_lake(home)
