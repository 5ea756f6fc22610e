"""The outbox's rows: side effects queued with the change that causes them, claimed and
delivered by ``shared.outbox``.

``enqueue`` takes the caller's ``conn``, so that a row commits with the change that caused it
(the conventions of every repository: ``shared/storage/state.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import (
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.storage import schema as t
from shared.storage.db import Database, Repo, upsert, utcnow
from shared.storage.leases import lease, release_failed, requeue


class OutboxRow(msgspec.Struct, frozen=True):
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    dedupe_key: str | None


class OutboxRepo(Repo):
    """Side effects on other systems, delivered at least once by the outbox worker."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # called when a transaction that queued a row commits (the worker wakes on it)
        self.listeners: list[Callable[[str], None]] = []     # called with the row's kind

    async def enqueue(self, kind: str, payload: dict[str, Any], *, dedupe_key: str | None = None,
                      conn: AsyncConnection | None = None) -> None:
        """Queue a side effect; with ``dedupe_key``, queuing the same effect twice is a no-op."""
        now = utcnow()
        stmt = upsert(self.db, t.outbox).values(
            kind=kind, payload=payload, dedupe_key=dedupe_key, status="pending", attempts=0,
            next_attempt_at=now, alerted=False, created_at=now,
        ).on_conflict_do_nothing(index_elements=["dedupe_key"])
        async with self.db.write(conn) as c:
            await c.execute(stmt)
            for listener in self.listeners:
                self.db.on_commit(c, functools.partial(listener, kind))

    async def claim(self, owner: str, limit: int, lease_seconds: float, *,
                    kinds: Collection[str] | None = None, exclude: bool = False,
                    ) -> list[OutboxRow]:
        """Lease up to ``limit`` due rows, oldest due first: of the ``kinds`` named, or (with
        ``exclude``) of every other kind; of every kind when ``kinds`` is None."""
        now = utcnow()
        o = t.outbox
        free = or_(o.c.lease_until.is_(None), o.c.lease_until < now)
        due = select(o.c.id).where(o.c.status == "pending", o.c.next_attempt_at <= now, free)
        if kinds is not None:
            due = due.where(o.c.kind.not_in(list(kinds)) if exclude
                            else o.c.kind.in_(list(kinds)))
        candidates = due.order_by(o.c.next_attempt_at, o.c.id).limit(limit)
        stmt = (lease(self.db, o, candidates, o.c.status == "pending", free, owner=owner,
                      until=now + timedelta(seconds=lease_seconds))
                .returning(o.c.id, o.c.kind, o.c.payload, o.c.attempts, o.c.dedupe_key))
        async with self.db.write() as conn:
            rows = (await conn.execute(stmt)).all()
        return sorted((OutboxRow(*r) for r in rows), key=lambda r: r.id)

    async def mark_done(self, row_id: int, owner: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox).where(t.outbox.c.id == row_id, t.outbox.c.lease_owner == owner)
                .values(status="done", done_at=utcnow(), lease_owner=None, lease_until=None)
            )

    async def defer(self, row_id: int, owner: str, attempts: int, due_at: datetime) -> None:
        """Put a claimed row back, due at ``due_at``, with ``attempts`` (the count before the
        claim: a deferral is not an attempt)."""
        async with self.db.write() as conn:
            await conn.execute(
                update(t.outbox).where(t.outbox.c.id == row_id, t.outbox.c.lease_owner == owner)
                .values(next_attempt_at=due_at, attempts=attempts, lease_owner=None,
                        lease_until=None)
            )

    async def mark_failed(self, row_id: int, owner: str, error: str, retry_at: datetime | None,
                          ) -> None:
        """Retry at ``retry_at``; None means a permanent failure, kept as status 'failed'."""
        await release_failed(self.db, t.outbox, row_id, owner, error, retry_at, "failed")

    async def flag_alerted(self, row_id: int) -> bool:
        """Mark a stuck row as reported; True only for the caller that flipped the flag."""
        async with self.db.write() as conn:
            res = await conn.execute(
                update(t.outbox).where(t.outbox.c.id == row_id, t.outbox.c.alerted.is_(False))
                .values(alerted=True)
            )
        return (res.rowcount or 0) == 1

    async def counts(self, stuck_after: int) -> dict[str, int]:
        """Pending rows, rows that failed ``stuck_after`` times or more, permanent failures."""
        o = t.outbox
        async with self.db.read() as conn:
            row = (await conn.execute(select(
                func.count().filter(o.c.status == "pending"),
                func.count().filter(and_(o.c.status == "pending", o.c.attempts >= stuck_after)),
                func.count().filter(o.c.status == "failed"),
            ))).one()
        return {"pending": int(row[0]), "stuck": int(row[1]), "failed": int(row[2])}

    async def prune_done(self, older_than: datetime) -> int:
        async with self.db.write() as conn:
            res = await conn.execute(
                delete(t.outbox).where(t.outbox.c.status == "done",
                                       t.outbox.c.done_at < older_than)
            )
        return res.rowcount or 0

    async def problem_rows(self, stuck_after: int, limit: int = 100) -> list[dict[str, Any]]:
        """Failed rows and pending rows tried ``stuck_after`` times or more, without payloads."""
        o = t.outbox
        async with self.db.read() as conn:
            rows = await conn.execute(
                select(o.c.id, o.c.kind, o.c.status, o.c.attempts, o.c.last_error,
                       o.c.created_at, o.c.next_attempt_at)
                .where(or_(o.c.status == "failed",
                           and_(o.c.status == "pending", o.c.attempts >= stuck_after)))
                .order_by(o.c.id.desc()).limit(limit))
            return [dict(r) for r in rows.mappings()]

    async def retry_failed(self) -> int:
        """Put every permanently failed row back in the queue, due now."""
        return await requeue(self.db, t.outbox, "failed", alerted=False)
