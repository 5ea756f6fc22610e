"""/start, /help, /cancel, the main menu's Help, stale buttons and anything not understood."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from avap_bot import keyboards, texts
from avap_bot.access import is_admin
from avap_bot.filters import NEW, PRIVATE, menu_button
from avap_bot.handlers.verification import STEP_IDENTIFIER, STEP_WAITING
from shared.flows import BotContext


async def start(update: Update, context: BotContext) -> None:
    """Main menu for a student; an admin's desk for an admin; verification for a newcomer."""
    user = update.effective_user
    context.flow.clear()
    student = await context.services.storage.avap.verified_student(user.id)
    if student is not None:
        await update.effective_message.reply_text(
            texts.WELCOME_BACK.format(name=html.escape(student["name"])),
            reply_markup=keyboards.main_menu())
        return
    if await is_admin(context, user.id):
        await update.effective_message.reply_text(texts.ADMIN_HELP)
        return
    context.flow.goto(STEP_IDENTIFIER)
    await update.effective_message.reply_text(
        texts.WELCOME_NEW,
        reply_markup=keyboards.share_contact())


async def help_command(update: Update, context: BotContext) -> None:
    """What the bot can do; admins also get the admin commands."""
    user = update.effective_user
    admin = user is not None and await is_admin(context, user.id)
    text = texts.HELP + ("\n\n" + texts.ADMIN_HELP if admin else "")
    await update.effective_message.reply_text(text)


async def cancel(update: Update, context: BotContext) -> None:
    """Leave any flow and go back to the menu."""
    was_active = context.flow.active and context.flow.step != STEP_WAITING
    context.flow.clear()
    student = await context.services.storage.avap.verified_student(update.effective_user.id)
    markup = keyboards.main_menu() if student is not None else keyboards.no_keyboard()
    await update.effective_message.reply_text(
        texts.CANCELLED if was_active else texts.NOTHING_TO_CANCEL, reply_markup=markup)


async def not_understood(update: Update, context: BotContext) -> None:
    """Anything else in a private chat: point to the menu."""
    student = await context.services.storage.avap.verified_student(update.effective_user.id)
    if student is None:
        await update.effective_message.reply_text(texts.NOT_UNDERSTOOD_NEW)
        return
    await update.effective_message.reply_text(texts.NOT_UNDERSTOOD,
                                              reply_markup=keyboards.main_menu())


async def stale_button(update: Update, context: BotContext) -> None:
    """A button whose data we do not know (old keyboard, forged data): answer harmlessly."""
    await update.callback_query.answer(texts.STALE_BUTTON, show_alert=False)


HANDLERS = [
    CommandHandler("start", start, filters=PRIVATE),
    CommandHandler("help", help_command, filters=NEW),
    MessageHandler(menu_button(texts.MENU_HELP), help_command),
    CommandHandler("cancel", cancel, filters=PRIVATE),
]

# registered after every feature: only what nothing else took
FALLBACK = [
    MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, not_understood),
    CallbackQueryHandler(stale_button),
]
