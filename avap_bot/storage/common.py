"""What the support bot's repositories share: a row as a dict, one row or None, and the
lookups and card links that submissions, questions and broadcasts have alike."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Table, select, update

from shared.storage.db import Database

Row = dict[str, Any]
Carded = Literal["request", "submission", "question"]  # what an admin's card can be about


def one(row: Any) -> Row | None:
    """A result row as a dict, None for no row."""
    return dict(row) if row is not None else None


async def find(db: Database, table: Table, *where: Any) -> Row | None:
    """The row of ``table`` (the first by id) that ``where`` matches, or None."""
    async with db.read() as c:
        return one((await c.execute(select(table).where(*where).order_by(table.c.id).limit(1))
                    ).mappings().first())


async def by_source(db: Database, table: Table, chat_id: int, message_id: int) -> Row | None:
    """The row made from the message (chat, id): a retried update finds it."""
    return await find(db, table, table.c.source_chat_id == chat_id,
                      table.c.source_message_id == message_id)


async def by_card(db: Database, table: Table, chat_id: int, message_id: int) -> Row | None:
    """The row whose card (in the admins' group) is the message (chat, id)."""
    return await find(db, table, table.c.card_chat_id == chat_id,
                      table.c.card_message_id == message_id)


async def set_card(db: Database, table: Table, row_id: int, chat_id: int, message_id: int) -> None:
    """Link the row to its card, the message (chat, id) in the admins' group."""
    async with db.write() as c:
        await c.execute(update(table).where(table.c.id == row_id).values(
            card_chat_id=chat_id, card_message_id=message_id))
