"""SendLimiter.hold_back: a queued delivery to a group at its pace is held back and promised a
turn along the pace, instead of waiting in a worker."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from shared.errors import Deferred
from shared.outbox import current_row
from shared.storage.outbox_repo import OutboxRow
from shared.telegram import SendLimiter
from shared.telegram_outbox import TelegramDeliveries

GROUP = -1001000000001


async def _send(limiter: SendLimiter, chat_id: int, n: int) -> None:
    async def call() -> bool:
        return True

    for _ in range(n):
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": chat_id}, None)


async def test_a_burst_is_held_back_and_spread_along_the_groups_pace() -> None:
    # 60 a minute: one message a second once the burst of 60 is spent
    limiter = SendLimiter(group_per_minute=60, overall_per_second=1000)
    assert limiter.hold_back(GROUP, "card:1", 2) == 0          # an idle group: go now
    await _send(limiter, GROUP, 60)
    # the burst is spent: a delivery of one message would wait a second, which it may do in
    # place; one of two messages (a copy and its card) would wait two: it is held back
    assert limiter.hold_back(GROUP, "card:2", 1) == 0
    waits = [limiter.hold_back(GROUP, f"card:{n}", 2) for n in range(3, 8)]
    assert all(w > SendLimiter.HOLD_BACK_AFTER for w in waits)
    # each is promised a turn two messages (two seconds) after the one before it
    assert [round(b - a, 1) for a, b in itertools.pairwise(waits)] == [2.0] * 4
    assert waits[0] == pytest.approx(2.0, abs=0.2)
    # back early: it keeps its place; back at its turn: it goes
    early = limiter.hold_back(GROUP, "card:5", 2)
    assert early == pytest.approx(waits[2], abs=0.2)
    limiter._promises["card:5"] = asyncio.get_running_loop().time()    # its turn has come
    assert limiter.hold_back(GROUP, "card:5", 2) == 0
    # a newcomer queues after the promised ones
    assert limiter.hold_back(GROUP, "card:9", 1) > waits[-1]


async def test_private_chats_and_non_message_limits_are_never_held_back() -> None:
    limiter = SendLimiter(group_per_minute=60, overall_per_second=1000)
    await _send(limiter, 42, 3)                                   # the private burst is spent
    assert limiter.hold_back(42, "message:1", 1) == 0
    assert SendLimiter(group_per_minute=0).hold_back(GROUP, "card:1", 1) == 0


async def test_an_outbox_message_to_a_group_at_its_pace_is_held_back() -> None:
    """A card edit or a message queued for a group whose pace is spent raises Deferred (the
    outbox puts the row back for its turn) instead of waiting in a slot; a private message
    goes."""
    limiter = SendLimiter(group_per_minute=30, overall_per_second=1000)    # one each 2 s
    await _send(limiter, GROUP, 30)
    sent: list[int] = []

    class Bot:
        rate_limiter = limiter

        async def edit_message_text(self, text: str, chat_id: int, message_id: int,
                                    **options: object) -> None:
            sent.append(chat_id)

        async def send_message(self, chat_id: int, text: str, **options: object) -> None:
            sent.append(chat_id)

    deliveries = TelegramDeliveries(lambda name: Bot())
    token = current_row.set(OutboxRow(7, "telegram.edit", {}, 1, None))
    try:
        with pytest.raises(Deferred) as held:
            await deliveries.edit({"bot": "avap", "chat_id": GROUP, "message_id": 5,
                                   "text": "Approved by @ann", "options": {}})
        assert held.value.seconds > SendLimiter.HOLD_BACK_AFTER
        await deliveries.message({"bot": "avap", "chat_id": 42, "text": "You are in!",
                                  "options": {}})
    finally:
        current_row.reset(token)
    assert sent == [42]
