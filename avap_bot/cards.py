"""Posting cards to the admin groups, and who someone is in one line."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardMarkup, Message, User

from shared.flows import BotContext


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
    group = context.services.chats.group(variable)
    if group is not None:
        return [group]
    return sorted(context.services.settings.admin_user_ids)


async def post_card(context: BotContext, variable: str, text: str,
                    markup: InlineKeyboardMarkup | None = None,
                    copy_from: tuple[int, int] | None = None) -> Message | None:
    """Post a card (optionally after a copy of the student's message) where ``variable`` says;
    returns the card message of the first place it reached."""
    first: Message | None = None
    for chat_id in group_or_owners(context, variable):
        reply_to: dict[str, Any] = {}
        if copy_from is not None:
            copied = await context.bot.copy_message(chat_id, copy_from[0], copy_from[1])
            reply_to = {"reply_to_message_id": copied.message_id}
        msg = await context.bot.send_message(chat_id, text, reply_markup=markup, **reply_to)
        first = first or msg
    return first
