"""The Telegram sending service: every Bot API call of both bots passes through here.

- ``SendLimiter`` (PTB's ``AIORateLimiter`` plus a limit per private chat): about 30 messages a
  second overall, 20 a minute per group, 1 a second per private chat; a 429 is waited out for
  ``retry_after`` and retried; a 403 marks the chat inactive and is not retried.
- ``SplittingBot`` splits a text longer than Telegram's 4096 characters into several messages.
- One named function per Telegram error that we recognise by its text.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

log = logging.getLogger(__name__)

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
CAPTION_LIMIT = MessageLimit.CAPTION_LENGTH  # 1024

OnBlocked = Callable[[int], Awaitable[None]]


class SendLimiter(AIORateLimiter):
    """AIORateLimiter with a per-private-chat limit and a hook for users who blocked the bot."""

    __slots__ = ("_on_blocked", "_private_limiters", "_private_rate")

    def __init__(self, *, on_blocked: OnBlocked | None = None, max_retries: int = 3,
                 overall_per_second: float = 30, group_per_minute: float = 20,
                 private_per_second: float = 1) -> None:
        super().__init__(overall_max_rate=overall_per_second, overall_time_period=1,
                         group_max_rate=group_per_minute, group_time_period=60,
                         max_retries=max_retries)
        self._on_blocked = on_blocked
        self._private_rate = private_per_second
        self._private_limiters: dict[int, AsyncLimiter] = {}

    def _private_limiter(self, chat_id: int) -> AsyncLimiter:
        if len(self._private_limiters) > 2048:
            # forget idle chats so that the table does not grow with the audience
            for key, lim in list(self._private_limiters.items()):
                if lim.has_capacity(lim.max_rate):
                    del self._private_limiters[key]
        lim = self._private_limiters.get(chat_id)
        if lim is None:
            # a burst of 3 is tolerated by Telegram; the average stays at 1 per second
            lim = AsyncLimiter(max_rate=3 * self._private_rate, time_period=3)
            self._private_limiters[chat_id] = lim
        return lim

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id = _as_int(data.get("chat_id"))
        limited = callback
        if chat_id is not None and chat_id > 0 and endpoint.startswith(("send", "copy", "forward")):
            limiter = self._private_limiter(chat_id)

            async def limited(*a: Any, **kw: Any) -> Any:
                async with limiter:
                    return await callback(*a, **kw)

        try:
            return await super().process_request(limited, args, kwargs, endpoint, data,
                                                 rate_limit_args)
        except Forbidden:
            if chat_id is not None and self._on_blocked is not None:
                log.info("chat blocked the bot; marking it inactive", extra={"chat_id": chat_id})
                await self._on_blocked(chat_id)
            raise


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
        if len(pieces) == 1:
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


# --- Telegram errors recognised by their text: one function each ---------------------------

def is_message_not_modified(exc: TelegramError) -> bool:
    """Editing a message to the text it already has (a double click on a button)."""
    return isinstance(exc, BadRequest) and "message is not modified" in exc.message.lower()


def is_chat_not_found(exc: TelegramError) -> bool:
    return isinstance(exc, BadRequest) and "chat not found" in exc.message.lower()


def is_query_too_old(exc: TelegramError) -> bool:
    """answerCallbackQuery after Telegram's deadline (a button pressed while we were asleep)."""
    return isinstance(exc, BadRequest) and "query is too old" in exc.message.lower()


def is_group_upgraded(exc: TelegramError) -> int | None:
    """The new id when a group was upgraded to a supergroup (PTB raises ChatMigrated)."""
    new_id = getattr(exc, "new_chat_id", None)
    return int(new_id) if new_id is not None else None
