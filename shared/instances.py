"""Instances announce themselves; what a dead one held is freed at once.

Each server process beats (``instances.beat_at``) every ``interval`` seconds and, at the same
time, looks at the others. Another instance is dead when

- its last beat is older than ``stale_after`` seconds (a kill -9, a lost machine, a frozen
  process), or
- it ran on this host and its process is gone: same host and same pid as this process (the pid
  was reused: a container restarted, where the server is often pid 1), or no process with its
  pid exists any more. A restart on the same machine is therefore seen at once, not after
  ``stale_after``.

The inbox rows, outbox rows and locks of a dead instance are freed in one transaction
(``InstanceRepo.release``) and the workers are woken: an update that was in flight at a kill -9
is handled again right after the restart, and an interrupted broadcast resumes then, instead of
when their leases (30 s, 120 s) or the broadcast's lock (10 s) would have run out.

A process that stops gracefully frees what it still holds and removes its own row.

While another instance is alive (an overlapping deploy), the workers are also woken at every
beat: rows that the other instance stored and could not take (its chat was busy here) are then
found within ``interval`` seconds; alone, the workers sleep until something is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from shared.storage import Storage, utcnow
from shared.storage.instances import Instance

log = logging.getLogger(__name__)


def process_exists(pid: int) -> bool:
    """True when a process with ``pid`` exists on this host (ours or another user's)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Heartbeat:
    """This instance's beat; the detection of dead instances and the freeing of their holds."""

    def __init__(self, storage: Storage, instance: str, *, interval: float,
                 stale_after: float | None = None, on_freed: Callable[[], None],
                 on_others: Callable[[], None]) -> None:
        self.storage = storage
        self.instance = instance
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.started_at = utcnow()
        self.interval = interval
        self.stale_after = stale_after if stale_after is not None else 3 * interval
        self._on_freed = on_freed      # something was freed: the workers look now
        self._on_others = on_others    # another instance is alive: the workers look now
        self.others_alive = 0
        self._task: asyncio.Task | None = None

    def is_dead(self, other: Instance, now: datetime) -> bool:
        if other.beat_at < now - timedelta(seconds=self.stale_after):
            return True
        if other.host == self.host:
            return other.pid == self.pid or not process_exists(other.pid)
        return False

    async def beat_and_sweep(self) -> dict[str, int]:
        """Beat once, then free what dead instances hold; returns what was freed."""
        others = await self.storage.instances.beat(self.instance, self.host, self.pid,
                                                   self.started_at)
        now = utcnow()
        dead = [o.id for o in others if self.is_dead(o, now)]
        self.others_alive = len(others) - len(dead)
        freed: dict[str, int] = {}
        if dead:
            freed = await self.storage.instances.release(dead)
            log.warning("instances found dead; what they held is free", extra={
                "dead": len(dead), "freed": freed})
            self._on_freed()
        if self.others_alive:
            self._on_others()
        return freed

    async def start(self) -> None:
        """The first beat and sweep (before the workers start), then one every ``interval``."""
        await self.beat_and_sweep()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="heartbeat")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.beat_and_sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("heartbeat failed", exc_info=True)

    async def stop(self) -> None:
        """Stop beating; free what this instance still holds and remove its row."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await self.storage.instances.release([self.instance])
        except Exception:
            log.warning("could not free this instance's holds at shutdown", exc_info=True)
