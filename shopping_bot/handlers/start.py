"""/start, /help and /cancel of the TimeToShopping bot."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CommandHandler, filters

from shared.flows import BotContext
from shopping_bot import texts


async def start(update: Update, context: BotContext) -> None:
    """Greet an editor."""
    context.flow.clear()
    name = html.escape(update.effective_user.first_name or "")
    await update.effective_message.reply_text(texts.WELCOME.format(name=name))


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands."""
    await update.effective_message.reply_text(texts.HELP)


async def cancel(update: Update, context: BotContext) -> None:
    """Leave any flow."""
    if context.flow.active:
        context.flow.clear()
        await update.effective_message.reply_text(texts.CANCELLED)
    else:
        await update.effective_message.reply_text(texts.NOTHING_TO_CANCEL)


# new messages only: an edited message is not a new answer to a question
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

HANDLERS = [
    CommandHandler("start", start, filters=PRIVATE),
    CommandHandler("help", help_command, filters=PRIVATE),
    CommandHandler("cancel", cancel, filters=PRIVATE),
]
