"""Group commit: many concurrent requests that each need one row stored before they answer share
one transaction. The first caller starts a flush; everyone who arrives while it runs joins the
next one. Each caller returns once its own row is committed, or gets ``StorageUnavailable``.

With ``gather`` (seconds), a flush first waits that long for more rows to join it: fewer,
larger transactions for callers that come one at a time (a broadcast's outcomes, ~30 a second),
each caller waiting at most ``gather`` longer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from shared.errors import StorageUnavailable

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[list[T]], Awaitable[None]], *, max_batch: int = 500,
                 on_stored: Callable[[list[T]], None] | None = None, gather: float = 0.0) -> None:
        self._write = write
        self._gather = gather
        self._max_batch = max_batch
        self._on_stored = on_stored
        self._queue: list[tuple[T, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task | None = None

    async def put(self, item: T) -> None:
        """Return once ``item`` is stored; raise StorageUnavailable if the write failed."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((item, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await fut

    async def _flush(self) -> None:
        while self._queue:
            if self._gather and len(self._queue) < self._max_batch:
                await asyncio.sleep(self._gather)
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            items = [item for item, _ in batch]
            try:
                await self._write(items)
            except Exception as exc:  # noqa: BLE001 - every waiting request must hear of it
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(StorageUnavailable(str(exc)))
                continue
            for _, fut in batch:
                if not fut.done():
                    fut.set_result(None)
            if self._on_stored is not None:
                self._on_stored(items)
