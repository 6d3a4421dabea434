"""Test helpers that read Bronze and the DLQ back, independently of the writers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from lakehouse.ingest.logfile import list_sealed

MARK = b',"event":'


def bronze_lines(home: Path) -> list[bytes]:
    out: list[bytes] = []
    for f in list_sealed(home / "bronze", verify=True):
        out.extend(f.path.read_bytes().splitlines(keepends=True))
    return out


def raw_event(line: bytes) -> bytes:
    """The event bytes embedded in a Bronze line (the writer appends `…,"event":<raw>}\\n`)."""
    return line[line.index(MARK) + len(MARK) : -2]


def dlq_records(home: Path) -> list[dict[str, Any]]:
    out = []
    for f in list_sealed(home / "dlq", verify=True):
        out.extend(orjson.loads(x) for x in f.path.read_bytes().splitlines())
    return out
