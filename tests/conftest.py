"""Shared fixtures: a throwaway lake root, valid events from the registry's own
examples, and a real `lakehouse serve` process on a free loopback port."""

from __future__ import annotations

import copy
import functools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lakehouse.config import Settings, load_settings
from lakehouse.ids import new_ulid
from lakehouse.ingest.examples import load_examples
from lakehouse.ingest.registry import default_registry

ROOT = Path(__file__).resolve().parent.parent


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`make test` spreads the suite over xdist workers one test at a time, except where
    tests share a fixture built once: a folder whose conftest has session-scoped fixtures
    (a lake built once for the folder) goes to one worker whole, a file with module-scoped
    ones likewise, so no lake is built twice. (xdist's own `loadgroup` marks do not reach
    its scheduler under pytest 9, hence a scheduler of our own.)"""
    from xdist.scheduler import LoadScopeScheduling

    if config.getvalue("dist") != "load":  # an explicit --dist other than -n's default
        return None

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return shared_fixture_scope(nodeid)

    return SharedFixtureScheduling(config, log)


def shared_fixture_scope(nodeid: str) -> str:
    """The unit of tests that must run on one worker: the test's folder, file or itself."""
    module = nodeid.split("::", 1)[0]
    folder = str(Path(module).parent)
    if _declares_scope(ROOT / folder / "conftest.py", "session"):
        return folder
    if _declares_scope(ROOT / module, "module"):
        return module
    return nodeid


@functools.cache
def _declares_scope(path: Path, scope: str) -> bool:
    """Whether `path` defines a fixture of `scope` (any quoting or spacing of the argument)."""
    pattern = rf"""scope\s*=\s*["']{scope}["']"""
    return path.is_file() and re.search(pattern, path.read_text()) is not None


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path / "lake").ensure()


def valid_examples() -> list[dict[str, Any]]:
    """Every valid example event shipped with the registry (one list, stable order)."""
    out: list[dict[str, Any]] = []
    for contract in default_registry().all()[1:]:
        out.extend(load_examples(contract)["valid"])
    return out


def fresh(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of `event` with a new unique event_id."""
    ev = copy.deepcopy(event)
    ev["event_id"] = "evt_" + new_ulid()
    return ev


@pytest.fixture
def make_events() -> Callable[[int], list[dict[str, Any]]]:
    pool = valid_examples()

    def make(n: int) -> list[dict[str, Any]]:
        return [fresh(pool[i % len(pool)]) for i in range(n)]

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A `lakehouse serve` subprocess in its own process group (so kill -9 hits all workers)."""

    def __init__(
        self, home: Path, workers: int = 1, extra_env: dict[str, str] | None = None
    ) -> None:
        self.home = home
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "LAKEHOUSE_HOME": str(home), **(extra_env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        cmd = [
            sys.executable,
            "-m",
            "lakehouse.cli",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=ROOT, start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"server exited early: {err}")
            try:
                if httpx.get(self.url + "/healthz", timeout=0.5).status_code == 200:
                    self._wait_for_workers(deadline)
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become healthy in 30 s")

    def _wait_for_workers(self, deadline: float) -> None:
        """With several workers, wait until more than one answers (they start concurrently)."""
        seen: set[str] = set()
        while self.workers > 1 and len(seen) < 2 and time.time() < deadline:
            seen.add(httpx.get(self.url + "/healthz", timeout=0.5).json()["worker"])

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@pytest.fixture
def server(settings: Settings) -> Iterator[Server]:
    srv = Server(settings.home).start()
    yield srv
    srv.stop()


@pytest.fixture
def start_server(settings: Settings) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(workers: int = 1, **env: str) -> Server:
        srv = Server(settings.home, workers, env).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()
