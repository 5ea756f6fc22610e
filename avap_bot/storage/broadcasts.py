"""The support bot's broadcasts: drafts, their recipients and each recipient's outcome (part of
``AvapRepo``)."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import BigInteger, bindparam, insert, select, update

from avap_bot.storage import tables as t
from avap_bot.storage.common import Row, by_source
from avap_bot.storage.common import one as _one
from shared.storage.db import Database, statement, utcnow


class BroadcastQueries:
    """Broadcasts and their deliveries (the sending engine is ``avap_bot.broadcasting``)."""

    db: Database

    # --- broadcasts -----------------------------------------------------------------------------
    async def create_broadcast(self, *, created_by: int, audience: str, source_chat_id: int,
                               source_message_id: int, content: str, kind: str) -> int:
        b = t.broadcasts
        async with self.db.write() as c:
            res = await c.execute(insert(b).values(
                content=content, type=kind, sent_count=0, created_by=created_by, status="draft",
                audience=audience, source_chat_id=source_chat_id,
                source_message_id=source_message_id, total=0, failed_count=0, blocked_count=0,
                created_at=utcnow()).returning(b.c.id))
            return int(res.scalar_one())

    @statement
    def _broadcast(self) -> Any:
        b = t.broadcasts
        return select(b).where(b.c.id == bindparam("bid", type_=BigInteger))

    async def get_broadcast(self, broadcast_id: int) -> Row | None:
        """The broadcast's row (read every 2 s while it sends, for the progress message)."""
        return await self.db.first(self._broadcast, {"bid": broadcast_id})

    async def start_broadcast(self, broadcast_id: int, recipients: list[int],
                              progress_chat_id: int, progress_message_id: int) -> bool:
        """Draft → sending with one delivery row per recipient; False if not a draft."""
        b, d = t.broadcasts, t.broadcast_deliveries
        now = utcnow()
        async with self.db.write() as c:
            res = await c.execute(update(b).where(b.c.id == broadcast_id, b.c.status == "draft")
                                  .values(status="sending", total=len(recipients),
                                          progress_chat_id=progress_chat_id,
                                          progress_message_id=progress_message_id))
            if (res.rowcount or 0) != 1:
                return False
            for i in range(0, len(recipients), 1000):
                await c.execute(insert(d), [
                    {"broadcast_id": broadcast_id, "chat_id": cid, "status": "pending",
                     "updated_at": now} for cid in recipients[i:i + 1000]])
        return True

    async def cancel_broadcast(self, broadcast_id: int) -> bool:
        b = t.broadcasts
        async with self.db.write() as c:
            res = await c.execute(update(b).where(b.c.id == broadcast_id, b.c.status == "draft")
                                  .values(status="cancelled", finished_at=utcnow()))
        return (res.rowcount or 0) == 1

    @statement
    def _pending(self) -> Any:
        d = t.broadcast_deliveries
        return select(d.c.chat_id).where(
            d.c.broadcast_id == bindparam("bid", type_=BigInteger), d.c.status == "pending",
        ).order_by(d.c.chat_id).limit(bindparam("n", type_=BigInteger))

    async def pending_deliveries(self, broadcast_id: int, limit: int) -> list[int]:
        rows = await self.db.rows(self._pending, {"bid": broadcast_id, "n": limit})
        return [int(r[0]) for r in rows]

    async def record_delivery(self, broadcast_id: int, chat_id: int,
                              status: Literal["sent", "failed", "blocked"]) -> None:
        """Record one recipient's outcome (only once: a pending row changes, nothing else)."""
        await self.record_deliveries(broadcast_id, [(chat_id, status)])

    @statement
    def _delivered(self) -> Any:
        d = t.broadcast_deliveries
        return update(d).where(
            d.c.broadcast_id == bindparam("bid", type_=BigInteger),
            d.c.chat_id == bindparam("cid", type_=BigInteger), d.c.status == "pending",
        ).values(status=bindparam("outcome"), updated_at=bindparam("at", type_=d.c.updated_at.type)
                 ).returning(d.c.status)

    @statement
    def _counted(self) -> Any:
        b = t.broadcasts
        return update(b).where(b.c.id == bindparam("bid", type_=BigInteger)).values({
            b.c.sent_count: b.c.sent_count + bindparam("sent", type_=BigInteger),
            b.c.failed_count: b.c.failed_count + bindparam("failed", type_=BigInteger),
            b.c.blocked_count: b.c.blocked_count + bindparam("blocked", type_=BigInteger)})

    async def record_deliveries(self, broadcast_id: int, outcomes: list[tuple[int, str]]) -> None:
        """Record recipients' outcomes in one transaction, each only once (a pending row
        changes, nothing else) and counted once: the counters add what the row updates
        returned (on SQLite below SQLAlchemy's execution layer, ``Database.run_write``)."""
        now = utcnow()
        steps: list[tuple[Any, Any]] = [
            (self._delivered, {"bid": broadcast_id, "cid": chat_id, "outcome": status, "at": now})
            for chat_id, status in outcomes]

        def counted(changed: list[list[tuple[Any, ...]]]) -> dict[str, int]:
            counts = {"bid": broadcast_id, "sent": 0, "failed": 0, "blocked": 0}
            for rows in changed:
                for (status,) in rows:
                    counts[status] += 1
            return counts

        await self.db.run_write([*steps, (self._counted, counted)])

    async def finish_broadcast(self, broadcast_id: int) -> Row | None:
        b = t.broadcasts
        async with self.db.write() as c:
            row = (await c.execute(update(b).where(b.c.id == broadcast_id,
                                                   b.c.status == "sending")
                                   .values(status="done", finished_at=utcnow()).returning(*b.c))
                   ).mappings().first()
        return _one(row)

    async def sending_broadcasts(self) -> list[int]:
        b = t.broadcasts
        async with self.db.read() as c:
            return [int(r[0]) for r in await c.execute(
                select(b.c.id).where(b.c.status == "sending").order_by(b.c.id))]

    # --- broadcasts: the draft's audience, retry-safe drafts -----------------------------------
    async def set_broadcast_audience(self, broadcast_id: int, audience: str) -> bool:
        """Set the audience of a draft ("all" or "module:<name>"); False if not a draft."""
        b = t.broadcasts
        async with self.db.write() as c:
            res = await c.execute(update(b).where(b.c.id == broadcast_id, b.c.status == "draft")
                                  .values(audience=audience))
        return (res.rowcount or 0) == 1

    async def broadcast_by_source(self, chat_id: int, message_id: int) -> Row | None:
        """The broadcast made from the admin's message (chat, id): a retried update finds it."""
        return await by_source(self.db, t.broadcasts, chat_id, message_id)
