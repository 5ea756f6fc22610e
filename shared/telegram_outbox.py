"""Telegram side effects through the outbox: messages, copies and edits to other users' chats.

A handler that changes data and must tell someone else (a student graded, an admin card
updated) queues the message in the same transaction, so that a crash or a Telegram outage
never loses it. ``send_later`` / ``copy_later`` / ``edit_later`` are what handlers call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)
from telegram.error import BadRequest, Forbidden

from shared.errors import Deferred, PermanentError, TransientError
from shared.outbox import current_row
from shared.telegram import SendLimiter, is_chat_not_found, is_message_not_modified

if TYPE_CHECKING:
    from shared.services import Services

TELEGRAM_MESSAGE = "telegram.message"
TELEGRAM_COPY = "telegram.copy"
TELEGRAM_EDIT = "telegram.edit"


def _markup(data: dict[str, Any] | None, bot: Any) -> TelegramObject | None:
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, bot)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, bot)
    if data.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    if data.get("force_reply"):
        return ForceReply()
    return None


def _options(reply_markup: TelegramObject | None, extra: dict[str, Any]) -> dict[str, Any]:
    options = dict(extra)
    if reply_markup is not None:
        options["reply_markup"] = reply_markup.to_dict()
    return options


async def send_later(services: Services, bot: str, chat_id: int, text: str, *,
                     reply_markup: TelegramObject | None = None,
                     conn: AsyncConnection | None = None, **extra: Any) -> None:
    """Queue a text message (delivered at least once, retried while Telegram is down)."""
    await services.outbox.enqueue(TELEGRAM_MESSAGE, {
        "bot": bot, "chat_id": chat_id, "text": text,
        "options": _options(reply_markup, extra)}, conn=conn)


async def copy_later(services: Services, bot: str, chat_id: int, from_chat_id: int, message_id: int,
                     *, reply_markup: TelegramObject | None = None,
                     conn: AsyncConnection | None = None, **extra: Any) -> None:
    """Queue a copy of a message (any kind: text, voice, photo...) by its id."""
    await services.outbox.enqueue(TELEGRAM_COPY, {
        "bot": bot, "chat_id": chat_id, "from_chat_id": from_chat_id, "message_id": message_id,
        "options": _options(reply_markup, extra)}, conn=conn)


async def edit_later(services: Services, bot: str, chat_id: int, message_id: int, text: str, *,
                     reply_markup: TelegramObject | None = None,
                     conn: AsyncConnection | None = None) -> None:
    """Queue an edit of a message's text (the keyboard is removed unless one is given)."""
    await services.outbox.enqueue(TELEGRAM_EDIT, {
        "bot": bot, "chat_id": chat_id, "message_id": message_id, "text": text,
        "options": _options(reply_markup, {})}, conn=conn)


def hold_back_for_pace(bot: Any, chat_ids: list[int], key: str, messages: int = 1) -> None:
    """Raise ``Deferred`` when a group among ``chat_ids`` is at its pace (20 messages a minute):
    the row then waits in the outbox for the turn promised to ``key``, not in one of the outbox
    worker's slots, so that the messages behind it (a student's approval, an answer) go at once.
    Private chats are never held back; neither is a bot without our ``SendLimiter``."""
    limiter = getattr(bot, "rate_limiter", None)
    if not isinstance(limiter, SendLimiter):
        return
    wait = max((limiter.hold_back(chat_id, f"{key}:{chat_id}", messages)
                for chat_id in chat_ids if isinstance(chat_id, int) and chat_id < 0),
               default=0.0)
    if wait > 0:
        raise Deferred(wait, f"{key}: the group is at its pace")


class TelegramDeliveries:
    """Delivers the three kinds above through the running bots."""

    def __init__(self, bots: Callable[[str], Any]) -> None:
        self._bots = bots  # name -> ready telegram.Bot, or raises

    def register(self, outbox: Any) -> None:
        outbox.register(TELEGRAM_MESSAGE, self.message)
        outbox.register(TELEGRAM_COPY, self.copy)
        outbox.register(TELEGRAM_EDIT, self.edit)

    async def _call(self, payload: dict[str, Any], call: Callable[..., Any]) -> None:
        bot = self._bots(payload["bot"])
        row = current_row.get()
        if row is not None:                     # a message or an edit in a group at its pace
            hold_back_for_pace(bot, [payload["chat_id"]], f"outbox:{row.id}")
        options = dict(payload.get("options") or {})
        if "reply_markup" in options:
            options["reply_markup"] = _markup(options["reply_markup"], bot)
        try:
            await call(bot, options)
        except Forbidden as exc:
            raise PermanentError(f"blocked: {exc.message}") from exc
        except BadRequest as exc:
            if is_message_not_modified(exc):
                return
            if is_chat_not_found(exc):
                raise PermanentError(exc.message) from exc
            raise PermanentError(exc.message) from exc

    async def message(self, payload: dict[str, Any]) -> None:
        await self._call(payload, lambda bot, o: bot.send_message(
            payload["chat_id"], payload["text"], **o))

    async def copy(self, payload: dict[str, Any]) -> None:
        await self._call(payload, lambda bot, o: bot.copy_message(
            payload["chat_id"], payload["from_chat_id"], payload["message_id"], **o))

    async def edit(self, payload: dict[str, Any]) -> None:
        await self._call(payload, lambda bot, o: bot.edit_message_text(
            payload["text"], chat_id=payload["chat_id"], message_id=payload["message_id"], **o))


__all__ = ["TELEGRAM_COPY", "TELEGRAM_EDIT", "TELEGRAM_MESSAGE", "TelegramDeliveries",
           "TransientError", "copy_later", "edit_later", "hold_back_for_pace", "send_later"]
