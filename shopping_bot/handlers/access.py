"""Only authorised editors may use the bot; everyone else hears one polite refusal."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from shared.flows import BotContext
from shopping_bot import texts

log = logging.getLogger(__name__)


def is_editor(context: BotContext, user_id: int) -> bool:
    return user_id in context.services.settings.authorized_users


async def guard(update: Update, context: BotContext) -> None:
    """Stop every update from someone who is not an editor (logged without their text)."""
    user = update.effective_user
    if user is None or is_editor(context, user.id):
        return
    log.info("refused a user who is not an editor",
             extra={"user_id": user.id, "username": user.username or "-"})
    chat = update.effective_chat
    if update.callback_query is not None:
        await update.callback_query.answer(texts.NOT_AUTHORIZED, show_alert=True)
    elif chat is not None and chat.type == "private" and update.effective_message is not None:
        key = f"shopping:refused:{user.id}"
        # one refusal a day, not one per message
        if await context.services.storage.cooldowns.start_if_inactive(key, 86400):
            await update.effective_message.reply_text(texts.NOT_AUTHORIZED)
    raise ApplicationHandlerStop


HANDLERS = [TypeHandler(Update, guard)]
