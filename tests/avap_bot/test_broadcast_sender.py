"""The broadcast sender's loop (avap_bot/broadcasting.py, ``Run``) against an
in-memory delivery table whose reads can be stale, as a database read is when a copy finishes
and records its outcome while the read is on its way."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from avap_bot import broadcasting


class Deliveries:
    """pending_deliveries / record_delivery over a dict; each read sees the rows as they were
    when it started and answers ``read_delay`` seconds later."""

    def __init__(self, chats: list[int], read_delay: float) -> None:
        self.status = dict.fromkeys(chats, "pending")
        self.read_delay = read_delay

    async def pending_deliveries(self, broadcast_id: int, limit: int) -> list[int]:
        snapshot = sorted(c for c, s in self.status.items() if s == "pending")[:limit]
        await asyncio.sleep(self.read_delay)
        return snapshot

    async def record_delivery(self, broadcast_id: int, chat_id: int, status: str) -> None:
        if self.status[chat_id] == "pending":
            self.status[chat_id] = status


class Bot:
    def __init__(self, copy_time: float) -> None:
        self.copies: list[int] = []
        self.copy_time = copy_time

    async def copy_message(self, chat_id: int, from_chat: int, message_id: int,
                           **_: Any) -> None:
        await asyncio.sleep(self.copy_time)
        self.copies.append(chat_id)


async def _send_all(chats: list[int], *, read_delay: float, copy_time: float,
                    ) -> tuple[Bot, Deliveries]:
    deliveries = Deliveries(chats, read_delay)
    bot = Bot(copy_time)
    app = SimpleNamespace(running=True, bot=bot)
    services = SimpleNamespace(storage=SimpleNamespace(avap=deliveries, locks=None))
    row = {"id": 1, "total": len(chats), "type": "broadcast", "source_chat_id": -100,
           "source_message_id": 7}
    sender = broadcasting.Run(app, services, row, "broadcast:1", "token")  # type: ignore[arg-type]
    assert await asyncio.wait_for(sender._send_all(), timeout=30)
    return bot, deliveries


async def test_a_stale_list_of_pending_recipients_never_sends_twice() -> None:
    """Copies finish (and are recorded) while the next read of pending recipients is on its
    way: that read still names them, and they must not be sent to again."""
    chats = list(range(1000, 1250))
    bot, deliveries = await _send_all(chats, read_delay=0.02, copy_time=0.005)
    assert sorted(bot.copies) == chats  # each exactly once
    assert set(deliveries.status.values()) == {"sent"}


async def test_every_recipient_once_when_reads_are_instant() -> None:
    chats = list(range(1, 40))
    bot, _ = await _send_all(chats, read_delay=0.0, copy_time=0.001)
    assert sorted(bot.copies) == chats
