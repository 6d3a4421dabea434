"""Several ingest workers on one port, each with its own listening socket.

uvicorn's `--workers` shares one listening socket, and each worker's accept loop takes
every connection pending when it wakes, so a burst of new connections lands unevenly:
16 benchmark connections split 16/0, 14/2 or 11/5 between two workers. A worker that
holds most connections saturates while the other idles, and ingest, whose requests wait
for an fsync round, lost up to a third of its throughput that way. With SO_REUSEPORT
each worker listens on its own socket and the kernel spreads connections across them
by a hash of the client address.
"""

from __future__ import annotations

import errno
import socket

from uvicorn import Config
from uvicorn.supervisors import Multiprocess

from lakehouse.errors import ConfigError


def _listen(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is already in use; stop what holds it or pass --port."
            ) from exc
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}.") from exc
    sock.set_inheritable(True)
    return sock


class ReusePortWorkers(Multiprocess):
    """uvicorn's worker supervisor (start, health checks, restarts), except that every
    worker it starts gets a socket of its own in one SO_REUSEPORT group."""

    def __init__(self, config: Config) -> None:
        # Another process could join a SO_REUSEPORT group on a busy port and take a share
        # of its connections, so first claim the port the ordinary way: a busy port fails.
        _listen(config.host, config.port, reuse_port=False).close()
        self._given: list[socket.socket] = []
        super().__init__(config, sockets=[])

    @property
    def sockets(self) -> list[socket.socket]:
        """A new socket for the worker uvicorn is about to start (it reads this once per
        start or restart). The parent's copies of earlier ones are closed here: their
        workers hold their own, and a dead worker's socket must leave the group, or the
        kernel would keep handing it connections that nobody accepts."""
        for sock in self._given:
            sock.close()
        self._given = [_listen(self.config.host, self.config.port, reuse_port=True)]
        return list(self._given)

    @sockets.setter
    def sockets(self, value: list[socket.socket]) -> None:
        pass  # uvicorn's constructor assigns the shared socket it would have used
