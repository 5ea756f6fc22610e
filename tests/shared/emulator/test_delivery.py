"""Updates reach a bot by webhook (with the secret, retried after a failure) or by getUpdates
(long polling with offset); Telegram's pacing answers 429 with retry_after when switched on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot
from telegram.error import Conflict, RetryAfter

from shared.emulator import Emulator, Pacing
from shared.emulator.pacing import Pacer
from tests.fakes.server import ThreadedServer, free_port
from tests.shared.emulator.conftest import TOKEN, USER


class Receiver(ThreadedServer):
    """A bot's webhook: answers 500 to the first ``fail`` deliveries, then 200."""

    def __init__(self, fail: int = 0) -> None:
        self.port = free_port()
        self.fail = fail
        self.got: list[tuple[dict[str, Any], str | None]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.got.append((await request.json(),
                         request.headers.get("x-telegram-bot-api-secret-token")))
        if self.fail:
            self.fail -= 1
            return Response(status_code=500)
        return Response(status_code=200)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(fail=2) as r:
        yield r


async def until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.02)


async def test_webhook_with_secret_retried_until_answered(emu: Emulator, bot: Bot,
                                                          receiver: Receiver) -> None:
    url = f"http://127.0.0.1:{receiver.port}/hook"
    assert await bot.set_webhook(url, secret_token="s3cret-Token_1")
    with pytest.raises(Conflict):
        await bot.get_updates()
    emu.send_text(TOKEN, USER, "/start")
    emu.send_text(TOKEN, USER, "second")
    await until(lambda: len(receiver.got) == 4 and not emu.bot(TOKEN).pending_updates)
    assert [u["message"]["text"] for u, _ in receiver.got] == ["/start", "/start", "/start",
                                                              "second"]
    assert {secret for _, secret in receiver.got} == {"s3cret-Token_1"}
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


async def test_get_updates_long_polls_and_confirms_by_offset(emu: Emulator, bot: Bot) -> None:
    assert await bot.get_updates(timeout=0) == ()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    emu.send_text(TOKEN, USER, "/start")
    [first] = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 2  # answered when the update came
    assert first.message.text == "/start" and first.message.entities[0].type == "bot_command"
    emu.send_text(TOKEN, USER, "next")
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [first.update_id, first.update_id + 1]
    rest = await bot.get_updates(offset=first.update_id + 1, timeout=0)
    assert [u.message.text for u in rest] == ["next"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == ()


async def test_private_chat_pacing(emu: Emulator, bot: Bot) -> None:
    emu.set_pacing(Pacing(private_burst=3))
    emu.send_text(TOKEN, USER, "/start")
    for n in range(3):  # a short burst is tolerated
        await bot.send_message(USER, f"{n}")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(USER, "one too many")
    assert info.value.retry_after == 1
    await asyncio.sleep(1.05)
    assert (await bot.send_message(USER, "after a second")).text
    emu.set_pacing(None)
    for n in range(10):
        await bot.send_message(USER, f"fast {n}")


def test_group_pacing_20_a_minute() -> None:
    clock = [0.0]
    pacer = Pacer(Pacing(), clock=lambda: clock[0])
    for n in range(20):
        clock[0] = n * 0.5
        pacer.admit(TOKEN, "sendMessage", -100, private=False)
    clock[0] = 10.0
    with pytest.raises(Exception, match="Too Many Requests: retry after 50") as info:
        pacer.admit(TOKEN, "sendMessage", -100, private=False)
    assert info.value.parameters == {"retry_after": 50}
    pacer.admit(TOKEN, "editMessageText", -100, private=False)  # edits are not counted
    clock[0] = 60.01
    pacer.admit(TOKEN, "copyMessage", -100, private=False)
    assert pacer.refusals == 1


def test_30_messages_a_second_overall() -> None:
    clock = [0.0]
    pacer = Pacer(Pacing(private_per_second=None), clock=lambda: clock[0])
    for n in range(30):
        pacer.admit(TOKEN, "sendMessage", 1000 + n, private=True)
    with pytest.raises(Exception, match="retry after 1"):
        pacer.admit(TOKEN, "sendMessage", 2000, private=True)
    pacer.admit("999:other", "sendMessage", 2000, private=True)  # another bot, its own limit
    clock[0] = 1.0
    pacer.admit(TOKEN, "sendMessage", 2000, private=True)
