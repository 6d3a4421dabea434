"""A loopback AWS (moto_server on 127.0.0.1) for compiling and testing the prod path offline.

moto emulates S3 (incl. Object Lock) and Glue well enough for dbt-athena's relation lookups
and pyiceberg's GlueCatalog; its Athena executes nothing (SPEC §0). The emulator is a
subprocess so boto3 clients in dbt, pyiceberg and DuckDB reach it over plain HTTP.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lakehouse.errors import ConfigError

REGION = "eu-west-1"
# Fake credentials: moto accepts any; real ones must never leak into an emulated run.
_FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _moto_server() -> str:
    beside = Path(sys.executable).with_name("moto_server")
    found = str(beside) if beside.is_file() else shutil.which("moto_server")
    if not found:
        raise ConfigError(
            "moto_server is not installed, so the offline AWS emulator cannot start; "
            "install the dev dependencies (`make venv`) or point AWS_ENDPOINT_URL at an emulator."
        )
    return found


def _wait_ready(endpoint: str, proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"moto_server exited with code {proc.returncode} before serving.")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise ConfigError(f"moto_server did not answer on {endpoint} within {timeout_s:.0f}s.")


@contextmanager
def patched_env(values: dict[str, str]) -> Iterator[None]:
    """Set `values` in os.environ for the block; restore what was there (or absent) after."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def local_aws() -> Iterator[str]:
    """Start moto_server on a free loopback port, point AWS env vars at it, yield the
    endpoint URL; restore the environment and stop the server afterwards."""
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [_moto_server(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(endpoint, proc)
        with patched_env({**_FAKE_ENV, "AWS_ENDPOINT_URL": endpoint}):
            yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
