"""Group commit: many concurrent requests that each need one row stored before they answer share
one transaction. The first caller starts a flush; everyone who arrives while it runs joins the
next one. Each caller returns once its own row is committed, or gets ``StorageUnavailable``.

With ``gather`` (seconds), a flush first waits for more rows to join it: fewer, larger
transactions for callers that come one at a time (a broadcast's outcomes, ~30 a second). It
starts when a row arrives to find the oldest waiting one at least ``gather`` old: it rides on
that caller's wake-up instead of a timer of its own (on a tenth of a CPU each wake-up of the
process costs about as much as a small transaction). When no row comes, a timer starts it
``gather + patience`` after the oldest arrived: no caller waits longer than that."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from typing import Generic, TypeVar

from shared.errors import StorageUnavailable

T = TypeVar("T")


@dataclass(eq=False, slots=True)
class GroupCommit(Generic[T]):
    """Stores rows with ``write(rows)``, at most ``max_batch`` a transaction, then tells
    ``on_stored(rows)``; ``gather`` and ``patience`` (seconds) as in the module's docstring."""

    write: Callable[[list[T]], Awaitable[None]]
    _: KW_ONLY
    max_batch: int = 500
    on_stored: Callable[[list[T]], None] | None = None
    gather: float = 0.0
    patience: float = 0.0
    _queue: list[tuple[T, asyncio.Future[None]]] = field(default_factory=list, init=False)
    _oldest: float = field(default=0.0, init=False)  # loop time the queue's first row arrived
    _full: asyncio.Event | None = field(default=None, init=False)  # set: the flush should go
    _flusher: asyncio.Task | None = field(default=None, init=False)

    async def put(self, item: T) -> None:
        """Return once ``item`` is stored; raise StorageUnavailable if the write failed."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        if not self._queue:
            self._oldest = loop.time()
        self._queue.append((item, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        elif self._full is not None and (len(self._queue) >= self.max_batch
                                         or loop.time() >= self._oldest + self.gather):
            self._full.set()
        await fut

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            if self.gather and len(self._queue) < self.max_batch:
                self._full = asyncio.Event()
                try:
                    async with asyncio.timeout_at(self._oldest + self.gather + self.patience):
                        await self._full.wait()
                except TimeoutError:
                    pass
                finally:
                    self._full = None
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            if self._queue:  # rows beyond max_batch: theirs is the next write
                self._oldest = loop.time()
            items = [item for item, _ in batch]
            try:
                await self.write(items)
            except Exception as exc:  # noqa: BLE001 - every waiting request must hear of it
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(StorageUnavailable(str(exc)))
                continue
            for _, fut in batch:
                if not fut.done():
                    fut.set_result(None)
            if self.on_stored is not None:
                self.on_stored(items)
