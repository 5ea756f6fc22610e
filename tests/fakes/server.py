"""The HTTP side of every fake service: a Starlette app served by uvicorn in a daemon thread on a
free local port, started and stopped by the test."""

from __future__ import annotations

import fcntl
import random
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette

# Ports for the servers a test starts come from a block of ports below the kernel's ephemeral
# range (32768-60999 by default), claimed by this process with a lock file for its whole life:
# a port asked of the kernel with bind(0) and released again can be handed to another pytest
# worker (or another test run on the machine) before the server that was meant to get it binds
# it, and a server process takes a second to import and bind: with several workers asking for
# ports all the time, that window is no longer rare. Within its block a process hands the ports
# out in turn, skipping those in use.
_PORTS_FIRST, _PORTS_LAST, _BLOCK = 20_000, 32_000, 200
_LOCK_DIR = Path(tempfile.gettempdir()) / "test-port-blocks"
_block_lock = threading.Lock()
_block: tuple[int, Any] | None = None  # (first port, the open lock file that claims it)
_next = 0


def _claim_block() -> int:
    """The first port of a block no other living process holds; claimed until this one exits."""
    global _block
    if _block is None:
        _LOCK_DIR.mkdir(exist_ok=True)
        starts = list(range(_PORTS_FIRST, _PORTS_LAST, _BLOCK))
        random.shuffle(starts)
        for first in starts:
            handle = open(_LOCK_DIR / f"{first}.lock", "a")  # noqa: SIM115 - held until exit
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            _block = (first, handle)
            break
        else:
            raise RuntimeError(f"every port block in {_LOCK_DIR} is held by another process")
    return _block[0]


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn and PostgreSQL
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A local port that nothing listens on and that no other process of the tests gets."""
    global _next
    with _block_lock:
        first = _claim_block()
        for _ in range(_BLOCK):
            port = first + _next % _BLOCK
            _next += 1
            if _bindable(port):
                return port
    raise RuntimeError(f"no free port in {first}-{first + _BLOCK - 1}")


class ThreadedServer:
    """Base of the fakes: subclasses set ``self.app`` and ``self.port`` in ``__init__``."""

    app: Starlette
    port: int
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    def start(self) -> Self:
        # a request the test scripted to hang (``Action(delay=60)``) is cancelled 1 s into the
        # stop: waiting for it kept the server's thread alive for a minute after its test, its
        # loop ticking through whatever the next test on this worker patched (test_pacer)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{type(self).__name__} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        """``with FakeX() as fake:`` starts the server and stops it on the way out (a fixture
        yields inside the block)."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
