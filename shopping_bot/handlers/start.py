"""The front door of the TimeToShopping bot: /start, /help (and the menu's help button),
/cancel, and the fallbacks for what no feature handled (``FALLBACK``, registered last)."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from shared.flows import IN_ANY_STEP, BotContext
from shopping_bot import keyboards, texts
from shopping_bot.filters import PRIVATE, menu_button
from shopping_bot.handlers.access import is_owner
from shopping_bot.handlers.editors import install_menu


async def start(update: Update, context: BotContext) -> None:
    """Greet an editor with the main menu (and leave any flow)."""
    context.flow.clear()
    user = update.effective_user
    if not is_owner(context, user.id):
        # an editor added before they had opened the bot gets the command menu now
        await install_menu(context.bot, user.id)
    name = html.escape(user.first_name or "")
    await update.effective_message.reply_text(texts.WELCOME.format(name=name),
                                              reply_markup=keyboards.main_menu())


async def help_command(update: Update, context: BotContext) -> None:
    """/help or the menu's help button: every command."""
    await update.effective_message.reply_text(texts.HELP, reply_markup=keyboards.main_menu())


async def cancel(update: Update, context: BotContext) -> None:
    """Leave any flow."""
    if context.flow.active:
        context.flow.clear()
        await update.effective_message.reply_text(texts.CANCELLED,
                                                  reply_markup=keyboards.main_menu())
    else:
        await update.effective_message.reply_text(texts.NOTHING_TO_CANCEL)


async def stale_button(update: Update, context: BotContext) -> None:
    """A button no feature took: an old keyboard, or data that is not ours."""
    await update.callback_query.answer(texts.STALE_BUTTON)


async def unknown_message(update: Update, context: BotContext) -> None:
    """A private message no feature took, outside any flow step: point at the menu."""
    await update.effective_message.reply_text(texts.FALLBACK_HINT,
                                              reply_markup=keyboards.main_menu())


HANDLERS = [
    CommandHandler("start", start, filters=PRIVATE),
    CommandHandler("help", help_command, filters=PRIVATE),
    CommandHandler("cancel", cancel, filters=PRIVATE),
    MessageHandler(menu_button(texts.MENU_HELP), help_command),
]

# after every feature: only what none of them handled. In a flow step, the step's own
# wrong-input handlers answer; a message they do not take is left alone here.
FALLBACK = [
    CallbackQueryHandler(stale_button),
    MessageHandler(PRIVATE & ~IN_ANY_STEP & (filters.TEXT | filters.ATTACHMENT),
                   unknown_message),
]
