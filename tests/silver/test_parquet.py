"""How refine splits a batch's rows into data files (`parquet._jobs`, `write_partitions`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.schema import Schema
from pyiceberg.types import DateType, NestedField, StringType

from lakehouse.silver.parquet import MIN_SPLIT_ROWS, _jobs, write_partitions

D1, D2, D3 = date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)
SCHEMA = Schema(
    NestedField(1, "event_id", StringType(), required=True),
    NestedField(2, "event_dt", DateType(), required=False),
)


def _pieces(*sizes: int) -> list[tuple[pa.Table, pa.Array]]:
    table = pa.table({"x": [0]})  # _jobs only counts the index arrays
    return [(table, pa.array(np.zeros(n, dtype=np.int64))) for n in sizes]


def test_a_day_over_a_quarter_of_the_batch_is_split_biggest_files_first() -> None:
    piece = MIN_SPLIT_ROWS // 2
    # D1: 6 pieces (3 MIN_SPLIT_ROWS), D2: 2 pieces, D3: a few rows; 9 pieces in all.
    jobs = _jobs({D1: _pieces(*[piece] * 6), D2: _pieces(piece, piece), D3: _pieces(10)}, 2)
    rows = [(day, sum(len(i) for _, i in pieces)) for day, pieces in jobs]
    # limit = max(MIN_SPLIT_ROWS, a quarter of the rows) ≈ 2 pieces: D1 (6 pieces) → 3 files of 2
    # pieces; D2 (2 pieces) stays whole; the threads get the biggest first.
    assert rows == [(D1, 2 * piece)] * 3 + [(D2, 2 * piece), (D3, 10)]


def test_small_days_stay_one_file_each() -> None:
    jobs = _jobs({D2: _pieces(1000, 2000), D1: _pieces(5000)}, 2)
    assert [(day, len(pieces)) for day, pieces in jobs] == [(D1, 1), (D2, 2)]


def test_split_files_hold_every_row_once(tmp_path: Path) -> None:
    n = 3 * MIN_SPLIT_ROWS
    ids = [f"evt_{i:08d}" for i in range(n)]
    days = [D1] * (n - 100) + [D2] * 100
    chunk = MIN_SPLIT_ROWS // 4  # the record batches a parse hands to refine
    table = pa.table({"event_id": ids, "event_dt": pa.array(days, pa.date32())})
    inputs = [(pa.Table.from_batches([b]), None) for b in table.to_batches(max_chunksize=chunk)]
    paths = write_partitions(inputs, SCHEMA, tmp_path, "rb-test")
    by_day: dict[str, list[str]] = {}
    for p in paths:
        by_day.setdefault(Path(p).parent.name, []).extend(
            pq.read_table(p).column("event_id").to_pylist()
        )
    assert len([p for p in paths if "event_dt=2026-10-01" in p]) == 3
    assert sorted(by_day["event_dt=2026-10-01"]) == ids[: n - 100]
    assert sorted(by_day["event_dt=2026-10-02"]) == ids[n - 100 :]
