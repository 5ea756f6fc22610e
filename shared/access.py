"""What the access rules of every bot share: saying no in one line, a decorator that runs a
handler only when a check finds nothing against the update (each bot writes its own checks), and
one that loads what a handler works on first, or says why not (``Refused``)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.error import BadRequest

from shared.flows import BotContext
from shared.telegram import is_query_too_old

log = logging.getLogger(__name__)

R = TypeVar("R")
Handler = Callable[[Update, BotContext], Awaitable[Any]]
# what a check returns: None to let the update through, else the refusal the user hears
Check = Callable[[Update, BotContext], Awaitable[str | None]]


class Refused(Exception):
    """Raised where a handler cannot go on (a row gone, a stale button, a wrong argument),
    before it has answered or changed anything: the user hears ``text`` (``refuse``). Raised by
    the loader of ``loads`` or ``shared.callbacks.on_button``, or by the handler they run."""

    def __init__(self, text: str, *, alert: bool = True) -> None:
        super().__init__(text)
        self.text = text
        self.alert = alert  # on a button: an alert the user dismisses, else a passing note


async def refuse(update: Update, text: str, *, alert: bool = True) -> None:
    """Say no in one line: an answer to a button (a button pressed while we were down is too
    old to answer: fine), a reply to a message or a command."""
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(text, show_alert=alert)
        except BadRequest as exc:
            if not is_query_too_old(exc):
                raise
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


async def settle(update: Update, work: Callable[[], Awaitable[Any]]) -> None:
    """Run ``work``; a ``Refused`` it raises is said to the user (and ends it)."""
    try:
        await work()
    except Refused as no:
        await refuse(update, no.text, alert=no.alert)


def loads(load: Callable[[Update, BotContext], Awaitable[R | None]],
          ) -> Callable[[Callable[[Update, BotContext, R], Awaitable[Any]]], Handler]:
    """A decorator: ``load`` what the handler works on (the row of an argument, say), then run
    the handler with it as a third argument (None: the handler does not run, ``load`` has told
    the user why). When ``load`` or the handler raises ``Refused``, the user hears why, and
    nothing else happens."""

    def decorate(step: Callable[[Update, BotContext, R], Awaitable[Any]]) -> Handler:
        @functools.wraps(step)
        async def handler(update: Update, context: BotContext) -> None:
            async def work() -> None:
                if (row := await load(update, context)) is not None:
                    await step(update, context, row)

            await settle(update, work)

        return handler

    return decorate


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
