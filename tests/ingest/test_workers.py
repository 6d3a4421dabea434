"""Several `serve` workers on one port: each listens on its own SO_REUSEPORT socket."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import ROOT, Server


def _listening_sockets(port: int) -> int:
    """LISTEN (state 0A) entries for `port` in /proc/net/tcp: one per listening socket."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for r in rows if r.split()[1].endswith(f":{port:04X}") and r.split()[3] == "0A")


def test_each_worker_listens_on_its_own_socket(start_server: Callable[..., Server]) -> None:
    srv = start_server(workers=2)
    assert _listening_sockets(srv.port) == 2  # uvicorn's shared socket would be one
    clients = [httpx.Client(base_url=srv.url) for _ in range(16)]
    try:  # 16 kept-alive connections, as the benchmark opens: the kernel spreads them
        workers = {c.get("/healthz").json()["worker"] for c in clients}
    finally:
        for c in clients:
            c.close()
    assert len(workers) == 2  # all 16 on one worker has probability 2**-15


def test_a_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "lakehouse.cli", "--home", str(tmp_path), "serve",
             "--port", str(port), "--workers", "2"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert out.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in out.stderr
