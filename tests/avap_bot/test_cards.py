"""Cards through the outbox (avap_bot/cards.py): posted once, recorded on their row, and not
posted for a row that no longer waits, on every storage backend."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden

from avap_bot.cards import AVAP_CARD, CardDelivery, queue_card
from shared.errors import PermanentError
from shared.storage import Storage

GROUP = -1001000000001


class Bot:
    def __init__(self, refuse: bool = False) -> None:
        self.sent: list[tuple[str, int, Any]] = []
        self.refuse = refuse
        self.next_id = 100

    def _message(self, chat_id: int) -> Any:
        self.next_id += 1
        return SimpleNamespace(chat_id=chat_id, message_id=self.next_id)

    async def copy_message(self, chat_id: int, from_chat: int, message_id: int) -> Any:
        self.sent.append(("copy", chat_id, (from_chat, message_id)))
        return self._message(chat_id)

    async def send_message(self, chat_id: int, text: str, **options: Any) -> Any:
        if self.refuse:
            raise Forbidden("bot was kicked from the supergroup chat")
        self.sent.append(("card", chat_id, options))
        return self._message(chat_id)


class Outbox:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, dict]] = {}

    async def enqueue(self, kind: str, payload: dict, *, dedupe_key: str | None = None,
                      conn: Any = None) -> None:
        assert dedupe_key is not None
        self.rows.setdefault(dedupe_key, (kind, payload))


def _setup(storage: Storage, bot: Bot) -> tuple[Any, CardDelivery, Outbox]:
    outbox = Outbox()
    services = SimpleNamespace(
        storage=storage, outbox=outbox, settings=SimpleNamespace(admin_user_ids=[1]),
        chats=SimpleNamespace(group=lambda variable: GROUP))
    context = SimpleNamespace(services=services)
    return context, CardDelivery(SimpleNamespace(running=True, bot=bot), services), outbox


async def _request(storage: Storage, telegram_id: int) -> int:
    return await storage.avap.create_request(
        telegram_id=telegram_id, tg_name="Ann", tg_username="ann", buyer_id=None,
        kind="manual", identifier=None)


async def test_a_card_is_posted_once_and_recorded(storage: Storage) -> None:
    bot = Bot()
    context, delivery, outbox = _setup(storage, bot)
    rid = await _request(storage, 501)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Approve", callback_data="va:1")]])
    for _ in range(2):  # a retried update queues it again: one row
        await queue_card(context, "VERIFICATION_GROUP_ID", ("request", rid), "Request",
                         markup, copy_from=(501, 9))
    [(kind, payload)] = outbox.rows.values()
    assert kind == AVAP_CARD
    await delivery.deliver(payload)
    await delivery.deliver(payload)  # the outbox retries after a lost answer: nothing more
    assert [(what, chat) for what, chat, _ in bot.sent] == [("copy", GROUP), ("card", GROUP)]
    card_options = bot.sent[1][2]
    assert card_options["reply_to_message_id"] == 101
    assert card_options["reply_markup"].inline_keyboard[0][0].callback_data == "va:1"
    row = await storage.avap.get_request(rid)
    assert (row["card_chat_id"], row["card_message_id"]) == (GROUP, 102)


async def test_no_card_for_a_request_replaced_meanwhile(storage: Storage) -> None:
    bot = Bot()
    context, delivery, outbox = _setup(storage, bot)
    first = await _request(storage, 502)
    await queue_card(context, "VERIFICATION_GROUP_ID", ("request", first), "first")
    second = await _request(storage, 502)  # the student tried another email
    await queue_card(context, "VERIFICATION_GROUP_ID", ("request", second), "second")
    for _, payload in outbox.rows.values():
        await delivery.deliver(payload)
    assert [(what, options) for what, _, options in bot.sent] == [("card", {"reply_markup": None})]
    assert (await storage.avap.get_request(first))["card_message_id"] is None
    assert (await storage.avap.get_request(second))["card_message_id"] is not None


async def test_a_group_that_refuses_the_bot_is_a_permanent_failure(storage: Storage) -> None:
    context, delivery, outbox = _setup(storage, Bot(refuse=True))
    rid = await _request(storage, 503)
    await queue_card(context, "VERIFICATION_GROUP_ID", ("request", rid), "Request")
    [(_, payload)] = outbox.rows.values()
    with pytest.raises(PermanentError, match="kicked"):
        await delivery.deliver(payload)
    assert (await storage.avap.get_request(rid))["card_message_id"] is None
