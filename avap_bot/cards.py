"""Cards in the admin groups (a verification request, a submission, a question), and who
someone is in one line.

A card is queued in the outbox (``queue_card``), not sent by the handler: a group takes 20
messages a minute, and a handler waiting for that pace would keep the student's answer, and the
inbox slot, waiting too (a launch day, a deadline). The delivery (``CardDelivery``) posts the
copy of the student's message and the card under it, then records the card's ids on the row; it
posts nothing when the row has its card already (a retry) or is no longer open (a request
replaced by a newer one, a submission graded, a question answered meanwhile). A card for a group
at its pace is held back in the outbox (``Deferred``) until its turn, so that it does not keep
an outbox slot, and the messages behind it, waiting.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import InlineKeyboardMarkup, Message, User
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application

from avap_bot.copilot import queue_suggestion
from avap_bot.storage.common import Carded
from shared.errors import PermanentError, TransientError
from shared.flows import BotContext
from shared.telegram_outbox import hold_back_for_pace

if TYPE_CHECKING:
    from shared.services import Services

AVAP_CARD = "avap.card"

# what a card is about -> (repository getter, the row is still waiting when ...)
CARD_ROWS: dict[Carded, tuple[str, Any]] = {
    "request": ("get_request", lambda r: r["status"] == "open"),
    "submission": ("get_submission", lambda r: r["status"] == "submitted"),
    "question": ("get_question", lambda r: not r["answered"]),
}


def who(user: User | None) -> str:
    """"Ann Smith (@ann)" with HTML escaped, for cards and notices."""
    if user is None:
        return "someone"
    name = html.escape(user.full_name or str(user.id))
    return f"{name} (@{html.escape(user.username)})" if user.username else name


def admin_label(user: User | None) -> str:
    if user is None:
        return "an admin"
    return "@" + html.escape(user.username) if user.username else html.escape(user.full_name)


def group_or_owners(context: BotContext, variable: str) -> list[int]:
    """The group configured by ``variable``, or (unset) the owners' private chats."""
    return _places(context.services, variable)


def _places(services: Services, variable: str) -> list[int]:
    group = services.chats.group(variable)
    if group is not None:
        return [group]
    return sorted(services.settings.admin_user_ids)


async def queue_card(context: BotContext, variable: str, about: tuple[str, int], text: str,
                     markup: InlineKeyboardMarkup | None = None,
                     copy_from: tuple[int, int] | None = None,
                     conn: AsyncConnection | None = None) -> None:
    """Queue the card of ``about`` (("request" | "submission" | "question"), row id) for the
    place ``variable`` names, after a copy of the message ``copy_from`` (chat id, message id);
    queuing it again (a retried update) is a no-op."""
    kind, row_id = about
    await context.services.outbox.enqueue(AVAP_CARD, {
        "variable": variable, "about": [kind, int(row_id)], "text": text,
        "markup": markup.to_dict() if markup is not None else None,
        "copy_from": list(copy_from) if copy_from is not None else None,
    }, dedupe_key=f"{AVAP_CARD}:{kind}:{int(row_id)}", conn=conn)


class CardDelivery:
    """Delivers ``AVAP_CARD`` rows through the support bot (see the module docstring)."""

    def __init__(self, app: Application, services: Services) -> None:
        self.app = app
        self.services = services

    def register(self, outbox: Any) -> None:
        outbox.register(AVAP_CARD, self.deliver)

    async def deliver(self, payload: dict[str, Any]) -> None:
        kind, row_id = payload["about"]
        getter, waiting = CARD_ROWS[kind]
        avap = self.services.storage.avap
        row = await getattr(avap, getter)(row_id)
        if row is None or row["card_message_id"] is not None or not waiting(row):
            if kind == "question" and row is not None and row["card_message_id"] is not None:
                await self._suggest(row_id)  # a retry after a crash that came before it
            return
        if not self.app.running:
            raise TransientError("the support bot is not ready")
        bot = self.app.bot
        places = _places(self.services, payload["variable"])
        hold_back_for_pace(bot, places, f"{AVAP_CARD}:{kind}:{row_id}",
                           2 if payload.get("copy_from") else 1)
        markup = (InlineKeyboardMarkup.de_json(payload["markup"], bot)
                  if payload.get("markup") else None)
        first: Message | None = None
        try:
            for chat_id in places:
                reply_to: dict[str, Any] = {}
                if payload.get("copy_from"):
                    copied = await bot.copy_message(chat_id, *payload["copy_from"])
                    reply_to = {"reply_to_message_id": copied.message_id}
                msg = await bot.send_message(chat_id, payload["text"], reply_markup=markup,
                                             **reply_to)
                first = first or msg
        except (Forbidden, BadRequest) as exc:
            # the group removed the bot, a message the bot cannot copy...: the outbox reports it
            raise PermanentError(f"card {kind} {row_id}: {exc.message}") from exc
        if first is not None:
            await avap.set_card(kind, row_id, first.chat_id, first.message_id)
            if kind == "question":
                await self._suggest(row_id)

    async def _suggest(self, question_id: int) -> None:
        """The copilot's suggestion step, once the card exists to reply to (a no-op when
        queued already)."""
        await queue_suggestion(self.services, question_id)
