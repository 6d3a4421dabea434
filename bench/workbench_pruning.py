"""Files and bytes a one-day `lake.events()` scan reads, against the whole table.

    LAKEHOUSE_HOME=<lake> .venv/bin/python bench/workbench_pruning.py [YYYY-MM-DD]

Counts come from Iceberg's plan for the same filter (`Lake.event_files`) and from the
file list in polars' optimized plan; bytes are the sizes of those Parquet files.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import lakehouse


def _polars_files(plan: str) -> int:
    line = next(ln for ln in plan.splitlines() if "Parquet SCAN [" in ln)
    more = re.search(r"\.\.\. (\d+) other sources", line)
    return line.count("file://") + (int(more.group(1)) if more else 0)


def _size(uris: list[str]) -> int:
    return sum(Path(u.removeprefix("file://")).stat().st_size for u in uris)


def main() -> None:
    with lakehouse.open() as lake:
        first = lake.sql("select min(event_dt) from lake.events").fetchone()
        day = date.fromisoformat(sys.argv[1]) if len(sys.argv) > 1 else first[0]  # type: ignore[index]
        full, one = lake.event_files(), lake.event_files(day, day)
        print(f"lake {lake.settings.home}")
        print(f"full table : {len(full):4d} files {_size(full):>12,d} bytes "
              f"(polars plan: {_polars_files(lake.events().explain())})")  # fmt: skip
        print(f"{day} : {len(one):4d} files {_size(one):>12,d} bytes "
              f"(polars plan: {_polars_files(lake.events(day, day).explain())})")  # fmt: skip


if __name__ == "__main__":
    main()
