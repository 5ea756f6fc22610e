"""Repository of the Systeme.io integration: webhook messages already processed."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from avap_bot.storage.tables import systeme_webhook_messages
from shared.storage.db import Repo, upsert, utcnow


class CrmRepo(Repo):
    """Deduplication of Systeme.io's webhook messages."""

    async def claim_message(self, message_id: str, event: str,
                            conn: AsyncConnection | None = None) -> bool:
        """Record ``message_id``; False when it was processed already (a re-sent webhook).

        Called inside the transaction of the change the message causes: a crash before the
        commit leaves the id unrecorded, so Systeme.io's retry is processed again."""
        m = systeme_webhook_messages
        stmt = upsert(self.db, m).values(
            message_id=message_id[:200], event=event[:64], outcome="received",
            received_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=["message_id"]).returning(m.c.message_id)
        async with self.db.write(conn) as c:
            return (await c.execute(stmt)).first() is not None

    async def set_outcome(self, message_id: str, outcome: str,
                          conn: AsyncConnection | None = None) -> None:
        m = systeme_webhook_messages
        async with self.db.write(conn) as c:
            await c.execute(update(m).where(m.c.message_id == message_id[:200])
                            .values(outcome=outcome[:64]))

    async def outcome_of(self, message_id: str) -> str | None:
        m = systeme_webhook_messages
        async with self.db.read() as c:
            row = (await c.execute(m.select().where(m.c.message_id == message_id))).first()
        return row.outcome if row else None
