"""dbt.log under the lake, written from dbt's events instead of by dbt's file logger.

dbt's file logger formats every event into a line before it checks the event's level, so
at the default `info` level it still renders the ~3,500 debug events of a build (each SQL
statement's full text) only to drop them: over a second of Python holding the GIL that
the build's threads share. `lakehouse build` turns that logger off and writes the same
info, warn and error lines here, in dbt's own line format, as they happen.
`LAKEHOUSE_DBT_FILE_LOG=debug` (or any level but info) hands the file back to dbt.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

_LEVELS = ("info", "warn", "error")
MAX_BYTES = 10 * 1024 * 1024  # as dbt's own file log: one rotated file beside it


def _level() -> str:
    return os.environ.get("LAKEHOUSE_DBT_FILE_LOG", "info")


def writes_log() -> bool:
    """Whether this module writes dbt.log (at the default level), not dbt."""
    return _level() == "info"


def dbt_file_log_level() -> str:
    """The `--log-level-file` to give dbt: `none` while this module writes the log."""
    return "none" if writes_log() else _level()


class DbtLog:
    """A dbt event callback appending dbt's info, warn and error lines to `path` (only
    inside `with`, and only while `writes_log()`; else it ignores every event)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        self._scrub: Callable[[str], str] = str

    def __enter__(self) -> DbtLog:
        if not writes_log():
            return self
        from dbt_common.events.functions import env_scrubber  # dbt's secret masking

        self._scrub = env_scrubber
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > MAX_BYTES:
            os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        self._file = self.path.open("a", encoding="utf-8", buffering=1)  # a line at a time
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __call__(self, event: Any) -> None:
        info = event.info
        if self._file is None or info.level not in _LEVELS:
            return
        stamp = datetime.fromtimestamp(info.ts.seconds + info.ts.nanos / 1e9)
        ts = stamp.strftime("%H:%M:%S.%f")
        line = f"{ts} [{info.level:<5}] [{info.thread[:10]:<10}]: {self._scrub(info.msg)}\n"
        if info.name == "MainReportVersion":  # an invocation starts, as dbt marks it
            line = f"\n\n{'=' * 30} {ts} | {info.invocation_id} {'=' * 30}\n{line}"
        with self._lock:
            if self._file is not None:
                self._file.write(line)
