"""What the access rules of every bot share: saying no in one line, and a decorator that runs a
handler only when a check finds nothing against the update (each bot writes its own checks)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from shared.flows import BotContext

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Awaitable[Any]]
# what a check returns: None to let the update through, else the refusal the user hears
Check = Callable[[Update, BotContext], Awaitable[str | None]]


async def refuse(update: Update, text: str) -> None:
    """Say no in one line: an alert on a button, a reply to a message or a command."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


def guarded_by(check: Check) -> Callable[[Handler], Handler]:
    """A decorator: run the handler only when ``check`` returns None; otherwise refuse with the
    text it returns (logged with the user id and the handler, never the message)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext) -> Any:
            refusal = await check(update, context)
            if refusal is None:
                return await handler(update, context)
            user = update.effective_user
            log.info("refused an action", extra={
                "user_id": user.id if user else None, "handler": handler.__name__,
                "check": check.__name__})
            await refuse(update, refusal)
            return None

        return guarded

    return decorate
