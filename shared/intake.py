"""The first half of an update's durable path: the intake.

The webhook route (or the polling loop) hands each update to ``InboxIntake.put``; concurrent
puts are written in one transaction (group commit) and each caller returns once its row is
durable. The inbox worker (``shared.inbox``) then handles it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from shared.batching import GroupCommit
from shared.storage import Storage

if TYPE_CHECKING:
    from shared.inbox import InboxWorker

_CHAT_CARRIERS = ("message", "edited_message", "channel_post", "edited_channel_post",
                  "business_message", "edited_business_message", "my_chat_member",
                  "chat_member", "chat_join_request", "message_reaction", "chat_boost")


def chat_key_of(update: dict[str, Any]) -> str:
    """The chat an update belongs to (its updates are handled in arrival order), or ''."""
    for key in _CHAT_CARRIERS:
        obj = update.get(key)
        if isinstance(obj, dict):
            chat = obj.get("chat")
            if isinstance(chat, dict) and "id" in chat:
                return str(chat["id"])
    cq = update.get("callback_query")
    if isinstance(cq, dict):
        msg = cq.get("message")
        if isinstance(msg, dict) and isinstance(msg.get("chat"), dict):
            return str(msg["chat"].get("id", ""))
        sender = cq.get("from")
        if isinstance(sender, dict):
            return str(sender.get("id", ""))
    for value in update.values():
        if isinstance(value, dict) and isinstance(value.get("from"), dict):
            return str(value["from"].get("id", ""))
    return ""


Row = tuple[str, int, str, str]  # (bot, update_id, chat_key, payload)


class InboxIntake:
    """Writes incoming updates durably, grouping concurrent writes into one transaction.

    With a ``worker``, the transaction that stores a small batch also claims for it what can
    be claimed (the worker says how many slots it has free), so that an update costs one write
    transaction less; the worker is then told what was stored and what it got."""

    def __init__(self, storage: Storage, worker: InboxWorker | None = None,
                 max_batch: int = 500) -> None:
        self.storage = storage
        self.worker = worker
        self._commit: GroupCommit[Row] = GroupCommit(self._write, max_batch=max_batch)

    async def _write(self, rows: list[Row]) -> None:
        spec = None
        if self.worker is not None and self.storage.inbox.claims_on_add:
            spec = self.worker.claim_spec(len(rows))
        try:
            claimed = await self.storage.inbox.add_many(rows, claim=spec)
        except BaseException:
            if spec is not None and self.worker is not None:
                self.worker.claim_abandoned()
            raise
        if self.worker is not None:
            self.worker.stored(rows, claimed if spec is not None else None,
                               spec[1] if spec is not None else 0)

    async def put(self, bot: str, update_id: int, chat_key: str, payload: str) -> None:
        """Return once the update is stored (or was stored before); raise if storage fails."""
        await self._commit.put((bot, update_id, chat_key, payload))

    async def put_many(self, rows: Iterable[tuple[str, int, str, str]]) -> None:
        await asyncio.gather(*(self.put(*r) for r in rows))
