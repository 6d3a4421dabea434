"""Per-user CSV files for `lakehouse experiments analyze-file`, reduced to Moments in SQL.

Columns: user_id, variant, pre_metric, metric, converted, assigned_at (.csv or .csv.gz).
A missing pre_metric or metric counts as 0 (no activity); converted is 0/1 or a boolean.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from lakehouse.errors import InputFileError
from lakehouse.experiments.stats import Moments

COLUMNS = ("user_id", "variant", "pre_metric", "metric", "converted", "assigned_at")


@dataclass(frozen=True)
class UserFile:
    arms: dict[str, dict[str, Moments]]  # variant → {"conversion", "metric"}
    days_running: float  # first assignment → last assignment (or --as-of)


def read_user_file(path: Path, as_of: datetime | None = None) -> UserFile:
    """Per-variant sufficient statistics of the rows assigned before `as_of` (all if None)."""
    if not path.is_file():
        raise InputFileError(f"{path} does not exist; pass a per-user CSV (or .csv.gz) file.")
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        rel = con.execute(
            "select * from read_csv(?, header = true, auto_detect = true) limit 0", [str(path)]
        )
        have = {d[0] for d in rel.description or []}
        missing = [c for c in COLUMNS if c not in have]
        if missing:
            raise InputFileError(
                f"{path} lacks column(s) {', '.join(missing)}; the header must name "
                f"{', '.join(COLUMNS)}."
            )
        y, x, conv = (
            "coalesce(metric::double, 0)",
            "coalesce(pre_metric::double, 0)",
            "coalesce(converted::int::double, 0)",
        )
        rows = con.execute(
            f"""
            with users as (
                select variant::varchar as variant, {y} as y, {x} as x, {conv} as c,
                       assigned_at::timestamp as assigned_at
                from read_csv(?, header = true, auto_detect = true)
                where ?::timestamp is null or assigned_at::timestamp < ?::timestamp
            )
            select variant, count(*), sum(c), sum(c * c), sum(y), sum(y * y), sum(x), sum(x * x),
                   sum(x * y), min(assigned_at), max(assigned_at)
            from users group by variant order by variant
            """,
            [str(path), as_of, as_of],
        ).fetchall()
    except duckdb.Error as exc:
        raise InputFileError(
            f"{path} could not be read as a per-user CSV ({str(exc).splitlines()[0]}); check that "
            "metric/pre_metric are numbers, converted is 0/1 and assigned_at a timestamp."
        ) from None
    finally:
        con.close()
    if any(r[0] is None for r in rows):
        raise InputFileError(f"{path} has rows with an empty variant; fill in every row's variant.")
    arms = {
        r[0]: {
            "conversion": Moments(int(r[1]), float(r[2]), float(r[3])),
            "metric": Moments(
                int(r[1]), float(r[4]), float(r[5]), float(r[6]), float(r[7]), float(r[8])
            ),
        }
        for r in rows
    }
    firsts = [r[9] for r in rows if r[9] is not None]
    lasts = [r[10] for r in rows if r[10] is not None]
    end = as_of if as_of is not None else (max(lasts) if lasts else None)
    days = (end - min(firsts)).total_seconds() / 86400 if firsts and end is not None else 0.0
    return UserFile(arms=arms, days_running=max(days, 0.0))
