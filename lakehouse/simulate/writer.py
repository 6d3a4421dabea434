"""Delivery order: lines are bucketed by delivery day, spilled to disk, sorted, written.

Each line gets a unique integer key (delivery ms × 10⁹ + a global sequence number), so
sorting gives file order with deterministic ties and never compares the lines.
Spilling per day keeps memory bounded, which lets 10M-event files fit on a laptop.
"""

from __future__ import annotations

import marshal
import tempfile
from collections.abc import Callable
from pathlib import Path

from lakehouse.simulate.clock import DAY_MS

_SEQ = 1_000_000_000
_SPILL_BYTES = 1 << 30
_RECORD_OVERHEAD = 80  # int + bytes object headers and list slots, roughly


class DeliveryWriter:
    """Accepts (delivery_ms, line) pairs in any order; `finish` writes them in key order."""

    def __init__(self, out: Path, t0: int, days: int) -> None:
        self.out = out
        self.t0 = t0
        self.days = days
        self.lines = 0
        self._buffered = 0
        self._keys: list[list[int]] = [[] for _ in range(days)]
        self._lines: list[list[bytes]] = [[] for _ in range(days)]
        self._tmp = tempfile.TemporaryDirectory(prefix=".simulate-", dir=out.parent)
        self._spilled = [False] * days

    def add(self, delivery_ms: int, line: bytes) -> None:
        day = (delivery_ms - self.t0) // DAY_MS
        if day < 0:
            day = 0
        elif day >= self.days:
            day = self.days - 1
        self._keys[day].append(delivery_ms * _SEQ + self.lines)
        # `+ b"\n"` also copies: orjson's result keeps a ~4 KiB buffer per line alive.
        self._lines[day].append(line + b"\n")
        self.lines += 1
        self._buffered += len(line) + _RECORD_OVERHEAD
        if self._buffered > _SPILL_BYTES:
            self._spill()

    def _bucket_path(self, day: int) -> Path:
        return Path(self._tmp.name) / f"{day:05d}.marshal"

    def _spill(self) -> None:
        for day in range(self.days):
            if self._keys[day]:
                with self._bucket_path(day).open("ab") as fh:
                    marshal.dump((self._keys[day], self._lines[day]), fh)
                self._spilled[day] = True
                self._keys[day], self._lines[day] = [], []
        self._buffered = 0

    def _load(self, day: int, keys: list[int], lines: list[bytes]) -> None:
        with self._bucket_path(day).open("rb") as fh:
            while True:
                try:
                    k, v = marshal.load(fh)
                except EOFError:
                    return
                keys.extend(k)
                lines.extend(v)

    def finish(self, on_day: Callable[[], None] | None = None) -> int:
        """Write the output file (via a temp name, then rename) and return lines written."""
        part = self.out.with_name(self.out.name + ".partial")
        try:
            with part.open("wb", buffering=8 << 20) as fh:
                for day in range(self.days):
                    keys, lines = self._keys[day], self._lines[day]
                    self._keys[day], self._lines[day] = [], []
                    if self._spilled[day]:
                        self._load(day, keys, lines)
                    order = sorted(range(len(keys)), key=keys.__getitem__)
                    fh.write(b"".join([lines[i] for i in order]))
                    if on_day is not None:
                        on_day()
            part.replace(self.out)
        finally:
            self._tmp.cleanup()
            part.unlink(missing_ok=True)
        return self.lines

    def abort(self) -> None:
        self._tmp.cleanup()
