"""The inbox worker with a real PTB application against the fake Bot API (over HTTP)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Update
from telegram.error import TimedOut
from telegram.ext import CommandHandler

from shared.alerts import TELEGRAM_MESSAGE, Alerts
from shared.bots import BotRuntime, add_handlers, new_application, record_error
from shared.config import load_settings
from shared.flows import BotContext
from shared.inbox import InboxWorker
from shared.intake import chat_key_of
from shared.outbox import OutboxWorker
from shared.services import ChatDirectory, Services
from shared.storage import Storage
from tests.eventually import eventually_async
from tests.fakes import updates
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "333333:CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
APOLOGY = "Sorry, that went wrong."


@pytest.fixture
def fake() -> Any:
    with FakeTelegram() as f:
        yield f


class Harness:
    def __init__(self, storage: Storage, worker: InboxWorker, outbox: OutboxWorker,
                 calls: dict[str, int]) -> None:
        self.storage, self.worker, self.outbox, self.calls = storage, worker, outbox, calls

    async def feed(self, *items: dict) -> None:
        await self.storage.inbox.add_many([("avap", u["update_id"], chat_key_of(u), json.dumps(u))
                                           for u in items])
        self.worker.wake()

    async def settle(self, timeout: float = 10) -> None:
        async def settled() -> bool:
            return not (await self.storage.inbox.counts())["pending"]

        await eventually_async(settled, timeout, what="the inbox settling")


@pytest.fixture
async def harness(storage: Storage, fake: FakeTelegram) -> AsyncIterator[Harness]:
    settings = load_settings(_env_file=None, AVAP_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url,
                             ADMIN_USER_IDS="9001", RETRY_BASE_SECONDS="0.01",
                             INBOX_MAX_ATTEMPTS="3")
    outbox = OutboxWorker(storage, instance="t", retry_base=0.01)
    alerts = Alerts(settings, storage, outbox.enqueue, lambda: ["avap"])
    chats = ChatDirectory(settings)
    services = Services(settings, storage, chats, alerts, outbox, "t")
    calls = {"flaky": 0}

    async def boom(update: Update, context: BotContext) -> None:
        """A handler with a bug."""
        await update.effective_message.reply_text("half-way")
        raise KeyError("missing")

    async def flaky(update: Update, context: BotContext) -> None:
        """Fails twice for a passing reason, then works."""
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise TimedOut()
        await update.effective_message.reply_text("finally")

    async def always_down(update: Update, context: BotContext) -> None:
        """Never gets through."""
        raise TimedOut()

    async def step(update: Update, context: BotContext) -> None:
        """A flow: remembers how many times it ran."""
        n = context.flow.data.get("n", 0) + 1
        context.flow.goto("counting", n=n)
        await update.effective_message.reply_text(f"n={n}")

    app = new_application(settings, "avap", services)
    add_handlers(app, [CommandHandler("boom", boom), CommandHandler("flaky", flaky),
                       CommandHandler("down", always_down), CommandHandler("step", step)])
    app.add_error_handler(record_error)
    await app.initialize()
    runtime = BotRuntime("avap", SimpleNamespace(APOLOGY=APOLOGY), app, state="ready")  # type: ignore[arg-type]
    worker = InboxWorker(services, {"avap": runtime}, lease_seconds=5)
    worker.start()
    try:
        yield Harness(storage, worker, outbox, calls)
    finally:
        await worker.stop()
        await app.shutdown()


async def test_a_bug_apologises_alerts_once_and_keeps_the_row(harness: Harness,
                                                              fake: FakeTelegram) -> None:
    await harness.feed(updates.message(1, "/boom", user_id=11),
                       updates.message(2, "/boom", user_id=12))
    await harness.settle()
    # the row is marked dead first (the durable decision), then the apology goes out
    for _ in range(200):
        if len(fake.sent_texts(11)) == 2 and len(fake.sent_texts(12)) == 2:
            break
        await asyncio.sleep(0.02)
    assert fake.sent_texts(11) == ["half-way", APOLOGY]
    assert (await harness.storage.inbox.counts()) == {"pending": 0, "dead": 2}
    row = await harness.storage.inbox.get("avap", 1)
    assert row is not None and row["attempts"] == 1 and "KeyError" in row["last_error"]
    # the admins hear of it once (rate-limited), through the outbox; the alert is queued just
    # after the row is marked dead
    for _ in range(200):
        if (await harness.storage.outbox.counts(100))["pending"]:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # a second alert, if any, would be queued by now
    pending = await harness.storage.outbox.claim("check", 10, 30)
    assert [r.kind for r in pending] == [TELEGRAM_MESSAGE]
    assert pending[0].payload["chat_id"] == 9001 and "KeyError" in pending[0].payload["text"]
    assert "Traceback" not in " ".join(fake.sent_texts())


async def test_transient_failures_are_retried_until_they_pass(harness: Harness,
                                                              fake: FakeTelegram) -> None:
    await harness.feed(updates.message(1, "/flaky", user_id=21))
    await harness.settle()
    assert harness.calls["flaky"] == 3
    assert fake.sent_texts(21) == ["finally"]
    assert (await harness.storage.inbox.counts()) == {"pending": 0, "dead": 0}


async def test_transient_failures_give_up_after_the_last_attempt(harness: Harness,
                                                                 fake: FakeTelegram) -> None:
    await harness.feed(updates.message(1, "/down", user_id=31))
    await harness.settle()
    for _ in range(200):
        if fake.sent_texts(31):
            break
        await asyncio.sleep(0.02)
    row = await harness.storage.inbox.get("avap", 1)
    assert row is not None and row["status"] == "dead" and row["attempts"] == 3
    assert fake.sent_texts(31) == [APOLOGY]


async def test_flow_state_is_saved_only_with_a_successful_update(harness: Harness,
                                                                 fake: FakeTelegram) -> None:
    await harness.feed(updates.message(1, "/step", user_id=41))
    await harness.settle()
    await harness.feed(updates.message(2, "/step", user_id=41))
    await harness.settle()
    assert fake.sent_texts(41) == ["n=1", "n=2"]
    assert await harness.storage.flows.load("avap", 41, 41) == ("counting", {"n": 2})


async def test_one_chat_in_order_many_chats_at_once(harness: Harness, fake: FakeTelegram) -> None:
    items = [updates.message(100 + i, "/step", user_id=50 + (i % 5)) for i in range(25)]
    await harness.feed(*items)
    await harness.settle(timeout=20)
    for user in range(50, 55):
        assert fake.sent_texts(user) == [f"n={n}" for n in range(1, 6)]


async def test_stop_ends_the_worker_even_when_a_claim_turns_its_cancellation_into_an_error(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database driver can answer a cancellation with an error of its own; the worker must
    still end (before: it logged "claiming failed", slept and claimed again, for ever, and the
    event loop could not close)."""
    entered = asyncio.Event()
    absorbed: list[bool] = []

    async def claim_absorbing_cancel(*args: Any, **kwargs: Any) -> list:
        entered.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            if absorbed:  # only once, so that a failing run still ends at teardown
                raise
            absorbed.append(True)
            raise RuntimeError("the driver failed while being cancelled") from None
        return []

    monkeypatch.setattr(harness.storage.inbox, "claim", claim_absorbing_cancel)
    harness.worker.wake()
    await asyncio.wait_for(entered.wait(), 5)
    tasks = list(harness.worker._tasks)
    await harness.worker.stop(grace=2)
    assert all(task.done() for task in tasks)
