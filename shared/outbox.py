"""The outbox worker: delivers side effects on other systems, at least once, with backoff.

A side effect is a row (kind, payload) written in the transaction of the change that causes it.
Each kind has one delivery function registered here. A delivery that raises
``PermanentError`` is kept as 'failed' (visible in /health); one that raises ``Deferred`` (its
chat is at Telegram's pace) goes back in the queue for later without counting an attempt, so
that it does not hold a slot while it waits; anything else is retried with
exponential backoff, for ever, and reported to the admins once it has failed
``OUTBOX_ALERT_AFTER`` times. Delivery functions must be idempotent at their target (an upsert
keyed by our record id, a lookup before a create), since a crash after the effect and before the
row is marked done delivers it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from shared.errors import Deferred, PermanentError
from shared.storage import Storage, utcnow
from shared.storage.outbox_repo import OutboxRow

log = logging.getLogger(__name__)

Deliver = Callable[[dict[str, Any]], Awaitable[None]]

MAX_BACKOFF_SECONDS = 3600


def backoff_seconds(attempts: int, base: float, cap: float = MAX_BACKOFF_SECONDS) -> float:
    """base, 2*base, 4*base, ... capped."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


# the row being delivered (for deliveries that need its id: a turn promised to it)
current_row: ContextVar[OutboxRow | None] = ContextVar("outbox_row", default=None)

PEOPLE = "people"       # messages to people (Telegram); also every kind no lane names
SERVICES = "services"   # calls to other services (Google Sheets, Systeme.io)


@dataclass
class _Lane:
    """One claim loop with its own slots: a slow service never holds a person's message."""

    name: str
    concurrency: int
    idle_factor: float          # times the storage's idle poll between claims when idle
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None


class OutboxWorker:
    """Claims due outbox rows and delivers them through the registered functions.

    Rows are claimed per lane: ``PEOPLE`` (Telegram messages, copies, edits, cards: somebody
    waits for them) and ``SERVICES`` (Google Sheets, Systeme.io: a service that may answer
    slowly, or time out after a minute). Each lane has its own slots, so a hanging
    spreadsheet never keeps a student's message waiting."""

    def __init__(self, storage: Storage, *, instance: str, retry_base: float = 2.0,
                 alert_after: int = 8, concurrency: int = 4, service_concurrency: int = 2,
                 lease_seconds: float = 120) -> None:
        self.storage = storage
        self.instance = instance
        self.retry_base = retry_base
        self.alert_after = alert_after
        self.lease_seconds = lease_seconds
        self._deliver: dict[str, Deliver] = {}
        self._service_kinds: set[str] = set()
        # the services lane looks less often when idle: nobody waits on it, and over the REST
        # backend every look is a request
        self._lanes = [_Lane(PEOPLE, concurrency, 1.0),
                       _Lane(SERVICES, service_concurrency, 3.0)]
        self._stopping = False
        self.on_stuck: Callable[[OutboxRow, str], Awaitable[None]] | None = None
        # a row queued inside a transaction becomes deliverable at its commit: wake then
        storage.outbox.listeners.append(self.wake)

    def register(self, kind: str, deliver: Deliver, *, lane: str = PEOPLE) -> None:
        """Deliver rows of ``kind`` with ``deliver(payload)``, in ``lane``."""
        if lane not in (PEOPLE, SERVICES):
            raise ValueError(f"unknown outbox lane {lane!r}")
        self._deliver[kind] = deliver
        if lane == SERVICES:
            self._service_kinds.add(kind)
        else:
            self._service_kinds.discard(kind)

    async def enqueue(self, kind: str, payload: dict[str, Any], *, dedupe_key: str | None = None,
                      conn: Any = None) -> None:
        """Queue a side effect (inside the caller's transaction when ``conn`` is given)."""
        await self.storage.outbox.enqueue(kind, payload, dedupe_key=dedupe_key, conn=conn)
        self.wake(kind)

    def wake(self, kind: str | None = None) -> None:
        """Wake the lane that delivers ``kind`` (every lane when None)."""
        if kind is None:
            for lane in self._lanes:
                lane.wake.set()
            return
        wanted = SERVICES if kind in self._service_kinds else PEOPLE
        for lane in self._lanes:
            if lane.name == wanted:
                lane.wake.set()

    def start(self) -> None:
        for lane in self._lanes:
            if lane.task is None:
                lane.task = asyncio.create_task(self._run(lane), name=f"outbox-{lane.name}")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming; let the deliveries in flight finish (up to ``grace`` seconds), then
        cancel what is left. Rows claimed but not started stay leased to this instance until
        its heartbeat frees them at shutdown (shared/instances.py): a SIGTERM in the middle of a
        burst sends nothing twice, and loses nothing."""
        self._stopping = True
        tasks = [lane.task for lane in self._lanes if lane.task is not None]
        self.wake()
        if tasks:
            _done, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                log.warning("outbox: deliveries still running at shutdown were cancelled",
                            extra={"lanes": len(late)})
                await asyncio.wait(late, timeout=2)
        for lane in self._lanes:
            lane.task = None

    async def _run(self, lane: _Lane) -> None:
        while not self._stopping:
            lane.wake.clear()
            try:
                delivered = await self._drain(lane)
            except Exception:
                log.exception("outbox: claiming rows failed; retrying shortly",
                              extra={"lane": lane.name})
                delivered = 0
            if delivered == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        lane.wake.wait(),
                        timeout=self.storage.db.idle_poll_seconds * lane.idle_factor)

    async def drain_once(self) -> int:
        """Deliver the rows due now (one batch per lane); returns how many were attempted."""
        return sum([await self._drain(lane) for lane in self._lanes])

    async def _drain(self, lane: _Lane) -> int:
        services = sorted(self._service_kinds)
        if lane.name == SERVICES:
            if not services:
                return 0                        # nothing of this lane is delivered here
            kinds, exclude = services, False
        else:
            kinds, exclude = (services, True) if services else (None, False)
        rows = await self.storage.outbox.claim(self.instance, lane.concurrency * 4,
                                               self.lease_seconds, kinds=kinds, exclude=exclude)
        if not rows:
            return 0
        sem = asyncio.Semaphore(lane.concurrency)

        async def one(row: OutboxRow) -> None:
            async with sem:
                if self._stopping:  # not started: the next instance delivers it
                    return
                await self._deliver_row(row)

        await asyncio.gather(*(one(r) for r in rows))
        return len(rows)

    async def _deliver_row(self, row: OutboxRow) -> None:
        deliver = self._deliver.get(row.kind)
        started = time.perf_counter()
        if deliver is None:
            # a kind this version does not know (a newer instance wrote it): retry later
            await self._failed(row, f"no delivery registered for kind {row.kind!r}", True)
            return
        try:
            await self._call(deliver, row)
        except Deferred as exc:
            # its chat is at Telegram's pace: back in the queue, without holding a slot here
            await self.storage.outbox.defer(row.id, self.instance, max(0, row.attempts - 1),
                                            utcnow() + timedelta(seconds=exc.seconds))
            asyncio.get_running_loop().call_later(exc.seconds, self.wake, row.kind)
            log.debug("outbox: deferred", extra={"kind": row.kind, "row": row.id,
                                                 "seconds": round(exc.seconds, 1)})
            return
        except PermanentError as exc:
            log.warning("outbox: permanent failure", extra={
                "kind": row.kind, "row": row.id, "error": str(exc)[:300]})
            await self.storage.outbox.mark_failed(row.id, self.instance, str(exc), None)
            await self._report(row, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - every other failure is retried
            await self._failed(row, f"{type(exc).__name__}: {exc}", True)
            return
        await self.storage.outbox.mark_done(row.id, self.instance)
        log.info("outbox: delivered", extra={
            "kind": row.kind, "row": row.id, "attempt": row.attempts,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)})

    @staticmethod
    async def _call(deliver: Deliver, row: OutboxRow) -> None:
        token = current_row.set(row)        # deliveries may read which row they deliver
        try:
            await deliver(row.payload)
        finally:
            current_row.reset(token)

    async def _failed(self, row: OutboxRow, error: str, retry: bool) -> None:
        delay = backoff_seconds(row.attempts, self.retry_base)
        retry_at = utcnow() + timedelta(seconds=delay) if retry else None
        log.warning("outbox: delivery failed; will retry", extra={
            "kind": row.kind, "row": row.id, "attempt": row.attempts,
            "retry_in_s": round(delay, 1), "error": error[:300]})
        await self.storage.outbox.mark_failed(row.id, self.instance, error, retry_at)
        if retry:  # wake for the retry itself, not at the next idle poll
            asyncio.get_running_loop().call_later(delay, self.wake, row.kind)
        if row.attempts >= self.alert_after:
            await self._report(row, error)

    async def _report(self, row: OutboxRow, error: str) -> None:
        if self.on_stuck is None:
            return
        if await self.storage.outbox.flag_alerted(row.id):
            await self.on_stuck(row, error)
