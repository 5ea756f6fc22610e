"""Running instances and what they hold: heartbeats, and leases freed when an instance dies.

Every statement here is a plain insert, update, select or delete of one table, so the same
repository serves the REST backend (translated into PostgREST requests) without an rpc twin.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import bindparam, delete, or_, select, update

from shared.storage import schema as t
from shared.storage.db import Repo, statement, upsert, utcnow


class Instance(msgspec.Struct, frozen=True):
    id: str
    host: str
    pid: int
    beat_at: datetime


class InstanceRepo(Repo):
    """The ``instances`` table: who runs, and since when we last heard of them."""

    async def beat(self, instance: str, host: str, pid: int, started_at: datetime,
                   at: datetime | None = None) -> list[Instance]:
        """Say that ``instance`` is alive (at ``at``, default now; its row is created on the
        first beat); returns every other instance, read in the same transaction."""
        _, others = await self.db.run_write([
            (self._beat, {"id": instance, "host": host, "pid": pid, "started_at": started_at,
                          "beat_at": at or utcnow()}),
            (self._others, {"me": instance})])
        return [Instance(*r) for r in others]

    # a beat every few seconds is most of an idle server's work
    @statement
    def _beat(self) -> Any:
        stmt = upsert(self.db, t.instances).values(
            {k: bindparam(k) for k in ("id", "host", "pid", "started_at", "beat_at")})
        return stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={c: stmt.excluded[c] for c in ("host", "pid", "started_at", "beat_at")})

    @statement
    def _others(self) -> Any:
        i = t.instances
        return select(i.c.id, i.c.host, i.c.pid, i.c.beat_at).where(
            i.c.id != bindparam("me")).order_by(i.c.id)

    async def release(self, dead: Collection[str]) -> dict[str, int]:
        """Free what the ``dead`` instances held (inbox and outbox leases, locks) and forget
        them; returns how many of each were freed."""
        if not dead:
            return {}
        ids = sorted(dead)
        freed: dict[str, int] = {}
        async with self.db.write() as conn:
            for name, table in (("inbox", t.inbox), ("outbox", t.outbox)):
                res = await conn.execute(
                    update(table)
                    .where(table.c.lease_owner.in_(ids), table.c.status == "pending")
                    .values(lease_owner=None, lease_until=None)
                    .returning(table.c.id))
                freed[name] = len(res.all())
            res = await conn.execute(
                delete(t.locks)
                .where(or_(*(t.locks.c.token.like(f"{i}/%") for i in ids)))
                .returning(t.locks.c.key))
            freed["locks"] = len(res.all())
            await conn.execute(delete(t.instances).where(t.instances.c.id.in_(ids)))
        return freed
