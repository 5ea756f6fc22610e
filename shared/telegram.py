"""The Telegram sending service: every Bot API call of both bots passes through here.

- ``SendLimiter``: every message (send*, copy*, forward*) of a bot leaves through one ``Pacer``,
  evenly spaced a little below Telegram's 30 messages a second; 20 a minute per group, 1 a
  second per private chat; a 429 pauses the pacer for ``retry_after`` and the message is
  retried; a 403 marks the chat inactive and is not retried. A broadcast's copies are ``BULK``:
  they take the capacity the other messages leave.
- ``SplittingBot`` splits a text longer than Telegram's 4096 characters into several messages.
- One named function per Telegram error that we recognise by its text.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import msgspec
from aiolimiter import AsyncLimiter
from telegram import Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter, ExtBot

log = logging.getLogger(__name__)

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024

# Messages per second of one bot. Telegram refuses (429) a bot that sends more than 30 within
# a second; spaced 1/29.5 s apart, any 31 consecutive messages span 1.017 s, which leaves 17 ms
# for the jitter between leaving here and arriving at Telegram.
MESSAGES_PER_SECOND = 29.5
MESSAGE_METHODS = ("send", "copy", "forward")  # what Telegram's flood limit counts

OnBlocked = Callable[[int], Awaitable[None]]


class NotSent(Exception):
    """A bulk message dropped unsent: its sender stopped (``Bulk.going``) while it waited."""


class Bulk(msgspec.Struct, frozen=True):
    """``rate_limit_args`` of a message of a bulk send (a broadcast): it leaves only when no
    other message is waiting, and is dropped unsent (``NotSent``) if ``going()`` is False when
    its turn comes."""

    going: Callable[[], bool] = lambda: True
    max_retries: int | None = None


BULK = Bulk()


class Pacer:
    """Grants at most ``rate`` a second, evenly spaced (a token bucket holding one token): no
    burst, so any 1-second window holds at most ``ceil(rate)`` grants wherever it starts, which
    is how Telegram counts. Urgent waiters go before bulk ones; each kind in arrival order."""

    # uvloop's clock (``loop.time()``) and timers count whole milliseconds: a slot less than
    # this ahead is granted now. Sleeping for it instead returned at once, still before the
    # slot, dozens of times per slot (~0.4 ms of CPU per message). Granting up to 1 ms early
    # keeps the schedule (``_grant`` counts from the slot, not from the grant).
    RESOLUTION = 0.001

    def __init__(self, rate: float, tolerance: float = 0.003) -> None:
        self.interval = 1.0 / rate
        # a grant woken up to this late keeps the schedule (no drift from timer jitter)
        self.tolerance = tolerance
        self._next = 0.0  # loop time of the next free slot
        self._urgent: deque[tuple[asyncio.Future, Callable[[], bool] | None]] = deque()
        self._bulk: deque[tuple[asyncio.Future, Callable[[], bool] | None]] = deque()
        self._dispatcher: asyncio.Task | None = None

    def _grant(self, now: float) -> None:
        self._next = max(self._next, now - self.tolerance) + self.interval

    def pause(self, seconds: float) -> None:
        """Grant nothing for ``seconds`` (Telegram said 429 with retry_after)."""
        now = asyncio.get_running_loop().time()
        self._next = max(self._next, now + seconds)

    @property
    def waiting(self) -> int:
        return sum(not f.done() for f, _ in self._urgent) + sum(not f.done() for f, _ in self._bulk)

    async def acquire(self, *, bulk: bool = False,
                      going: Callable[[], bool] | None = None) -> bool:
        """Wait for a slot: True when granted, False when ``going()`` said no at our turn."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now >= self._next - self.RESOLUTION and not self.waiting:
            if going is not None and not going():
                return False
            self._grant(now)
            return True
        future: asyncio.Future[bool] = loop.create_future()
        (self._bulk if bulk else self._urgent).append((future, going))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = loop.create_task(self._dispatch(), name="send-pacer")
        return await future

    def _pop(self) -> tuple[asyncio.Future, Callable[[], bool] | None] | None:
        for queue in (self._urgent, self._bulk):
            while queue:
                waiter = queue.popleft()
                if not waiter[0].done():  # not cancelled
                    return waiter
        return None

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if now < self._next - self.RESOLUTION:
                await asyncio.sleep(self._next - now)
                continue
            waiter = self._pop()
            if waiter is None:
                return
            future, going = waiter
            if going is not None and not going():
                future.set_result(False)  # the slot stays free for the next one
                continue
            self._grant(now)
            future.set_result(True)


class SendLimiter(BaseRateLimiter[int | Bulk]):
    """Telegram's limits for one bot, and a hook for users who blocked the bot.

    Order of the waits for a message: the chat's own limit (1 a second in private, 20 a minute
    in a group), then a slot of the bot's ``Pacer`` (so that a message waiting for its chat
    does not hold a slot), then the request. Other calls with a group chat id (edits, member
    look-ups) wait for the group's limit only; Telegram's 30 a second counts messages."""

    __slots__ = ("_group_limiters", "_group_rate", "_max_retries", "_on_blocked", "_pacer",
                 "_private_limiters", "_private_rate", "_promises", "_tails")

    # a queued message is held back (``hold_back``) rather than left waiting for its group's
    # limit when that wait would be longer than this
    HOLD_BACK_AFTER = 1.0

    def __init__(self, *, on_blocked: OnBlocked | None = None, max_retries: int = 3,
                 overall_per_second: float = MESSAGES_PER_SECOND,
                 group_per_minute: float = 20, private_per_second: float = 1) -> None:
        self._on_blocked = on_blocked
        self._max_retries = max_retries
        self._pacer = Pacer(overall_per_second)
        self._group_rate = group_per_minute
        self._private_rate = private_per_second
        self._group_limiters: dict[int | str, AsyncLimiter] = {}
        self._private_limiters: dict[int, AsyncLimiter] = {}
        self._promises: dict[str, float] = {}       # key -> the loop time of its turn
        self._tails: dict[int | str, float] = {}    # group -> when its last promised turn ends

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    @staticmethod
    def _limiter(table: dict, key: Any, make: Callable[[], AsyncLimiter]) -> AsyncLimiter:
        if len(table) > 2048:
            # forget idle chats so that the table does not grow with the audience
            for k, lim in list(table.items()):
                if lim.has_capacity(lim.max_rate):
                    del table[k]
        lim = table.get(key)
        if lim is None:
            lim = table[key] = make()
        return lim

    def _chat_limiter(self, chat_id: int | str | None, message: bool) -> AsyncLimiter | None:
        if isinstance(chat_id, int) and chat_id > 0:
            if not message:
                return None
            # a burst of 3 is tolerated by Telegram; the average stays at 1 per second
            return self._limiter(self._private_limiters, chat_id, lambda: AsyncLimiter(
                max_rate=3 * self._private_rate, time_period=3))
        if chat_id is None or not self._group_rate:
            return None
        return self._limiter(self._group_limiters, chat_id, lambda: AsyncLimiter(
            max_rate=self._group_rate, time_period=60))

    def hold_back(self, chat_id: int | str, key: str, messages: int = 1) -> float:
        """Seconds a queued delivery of ``messages`` messages to the group ``chat_id`` should
        wait before it is tried again, so that it does not sit in a worker waiting for the
        group's 20 messages a minute; 0 when it may go now.

        ``key`` names the delivery (the same on every try). A delivery held back is promised a
        turn after the ones promised before it, so that a burst comes back spread along the
        group's pace instead of all at once; when it comes back at its turn it goes. Private
        chats (1 a second) are never held back: their waits are short."""
        loop_now = asyncio.get_running_loop().time()
        promised = self._promises.pop(key, None)
        if promised is not None:
            if loop_now >= promised - self.HOLD_BACK_AFTER:
                return 0.0                      # its turn
            self._promises[key] = promised      # early: keep its place
            return promised - loop_now
        if isinstance(chat_id, int) and chat_id > 0:
            return 0.0
        lim = self._chat_limiter(chat_id, True)
        if lim is None:
            return 0.0
        lim.has_capacity(0)                     # let the bucket leak up to now
        # the bucket's level and its waiters: aiolimiter 1.2's attributes (pinned)
        level = lim._level + sum(amount for amount, _, _ in lim._waiters)
        interval = lim.time_period / lim.max_rate
        free_at = loop_now + max(0.0, level + messages - lim.max_rate) * interval
        turn = max(free_at, self._tails.get(chat_id, 0.0))
        if turn - loop_now <= self.HOLD_BACK_AFTER:
            return 0.0
        self._tails[chat_id] = turn + messages * interval
        if len(self._promises) > 4096:          # forget deliveries that never came back
            self._promises = {k: t for k, t in self._promises.items() if t > loop_now - 3600}
        self._promises[key] = turn
        return turn - loop_now

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | Bulk | None,
    ) -> Any:
        raw_chat = data.get("chat_id")
        chat_id: int | str | None = _as_int(raw_chat)
        if chat_id is None and isinstance(raw_chat, str):
            chat_id = raw_chat  # "@channel"
        message = endpoint.startswith(MESSAGE_METHODS) and chat_id is not None
        bulk = rate_limit_args if isinstance(rate_limit_args, Bulk) else None
        retries = (bulk.max_retries if bulk is not None else rate_limit_args)
        max_retries = self._max_retries if retries is None else retries
        chat_limit = self._chat_limiter(chat_id, message)
        for attempt in range(max_retries + 1):
            try:
                async with chat_limit or contextlib.nullcontext():
                    if message and not await self._pacer.acquire(
                            bulk=bulk is not None, going=bulk.going if bulk else None):
                        raise NotSent(endpoint)
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == max_retries:
                    log.warning("Telegram still says 429 after %d retries", max_retries,
                                extra={"endpoint": endpoint, "chat_id": raw_chat})
                    raise
                wait = exc._retry_after.total_seconds() + 0.1
                log.info("429 from Telegram; retrying", extra={
                    "endpoint": endpoint, "chat_id": raw_chat, "retry_after_s": wait})
                if message:
                    self._pacer.pause(wait)  # every message waits: the bot is over its limit
                else:
                    await asyncio.sleep(wait)
            except Forbidden:
                if isinstance(chat_id, int) and self._on_blocked is not None:
                    log.info("chat blocked the bot; marking it inactive",
                             extra={"chat_id": chat_id})
                    await self._on_blocked(chat_id)
                raise
        raise AssertionError("unreachable")


def _as_int(value: object) -> int | None:
    with contextlib.suppress(TypeError, ValueError):
        return int(value)  # type: ignore[arg-type]
    return None


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters, at paragraph, line or word
    boundaries where possible."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            idx = window.rfind(sep)
            if idx >= limit // 2:
                cut = idx + len(sep)
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    if rest:
        pieces.append(rest)
    return [p for p in pieces if p]


class SplittingBot(ExtBot):
    """An ExtBot whose send_message splits long texts; the keyboard goes under the last piece."""

    async def send_message(self, chat_id: int | str, text: str, *args: Any,
                           **kwargs: Any) -> Message:
        pieces = split_text(text)
        # an explicit parse mode (a shopping post): markup cannot be cut safely, and the caller
        # checked the length Telegram counts
        if len(pieces) == 1 or kwargs.get("parse_mode"):
            return await super().send_message(chat_id, text, *args, **kwargs)
        markup = kwargs.pop("reply_markup", None)
        message: Message | None = None
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            message = await super().send_message(
                chat_id, piece, *args, **({**kwargs, "reply_markup": markup} if last else kwargs)
            )
            # only the first piece answers the replied-to message
            kwargs.pop("reply_to_message_id", None)
            kwargs.pop("reply_parameters", None)
        assert message is not None
        return message


# --- Telegram errors recognised by their text: one test each -------------------------------

def _bad_request_saying(text: str) -> Callable[[TelegramError], bool]:
    """A test of a Telegram error: a ``BadRequest`` whose message contains ``text`` (in any
    case); Telegram tells these apart by their text only."""

    def test(exc: TelegramError) -> bool:
        return isinstance(exc, BadRequest) and text in exc.message.lower()

    return test


# editing a message to the text it already has (a double click on a button)
is_message_not_modified = _bad_request_saying("message is not modified")
# a text whose HTML/Markdown Telegram cannot parse (unbalanced tags, say)
is_cant_parse_entities = _bad_request_saying("can't parse entities")
# deleteMessage of a message Telegram no longer lets the bot delete (older than 48 h)
is_message_cant_be_deleted = _bad_request_saying("message can't be deleted")
is_message_to_delete_not_found = _bad_request_saying("message to delete not found")
is_chat_not_found = _bad_request_saying("chat not found")
# answerCallbackQuery after Telegram's deadline (a button pressed while we were asleep)
is_query_too_old = _bad_request_saying("query is too old")


def is_group_upgraded(exc: TelegramError) -> int | None:
    """The new id when a group was upgraded to a supergroup (PTB raises ChatMigrated)."""
    new_id = getattr(exc, "new_chat_id", None)
    return int(new_id) if new_id is not None else None
