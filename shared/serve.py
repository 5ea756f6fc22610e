"""uvicorn's server, without its ten wake-ups a second.

``uvicorn.Server.main_loop`` sleeps 0.1 s at a time to refresh the ``Date`` header once a second
and to notice a signal. On a host with a tenth of a CPU an idle process should not wake at all:
the application adds the ``Date`` header itself (``shared.server``, ``date_header=False`` here),
and a signal ends the main loop's wait at once.

uvicorn is imported without its package ``__init__`` (``shared.lean_import``), which imports its
command line (``click``, the process supervisors) for ``uvicorn.run``: only its ``Config`` and
``Server`` are loaded, ~10 ms of CPU less at every start.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import FrameType

from shared.lean_import import partial_package

partial_package("uvicorn", {"config": ("Config",), "server": ("Server",)})

from uvicorn.config import Config  # noqa: E402 - after the partial package
from uvicorn.server import Server  # noqa: E402

__all__ = ["Config", "LeanServer"]


class LeanServer(Server):
    """A ``uvicorn.Server`` whose main loop sleeps until a signal (or a rare safety tick)."""

    tick_seconds = 60.0

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._exit = asyncio.Event()
        while not await self.on_tick(0):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit.wait(), timeout=self.tick_seconds)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        loop, event = getattr(self, "_loop", None), getattr(self, "_exit", None)
        if loop is not None and event is not None and not loop.is_closed():
            loop.call_soon_threadsafe(event.set)
