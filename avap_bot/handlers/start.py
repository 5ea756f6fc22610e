"""/start, /help, /cancel and the first step of verification."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from avap_bot import texts
from avap_bot.validators import normalise_email, normalise_phone
from shared.flows import BotContext, in_step

STEP_IDENTIFIER = "verify.identifier"


async def start(update: Update, context: BotContext) -> None:
    """Greet a verified student, or ask a newcomer for the email or phone of their purchase."""
    user = update.effective_user
    student = await context.services.storage.avap.verified_student(user.id)
    if student is not None:
        context.flow.clear()
        await update.effective_message.reply_text(texts.WELCOME_BACK.format(name=student["name"]))
        return
    context.flow.goto(STEP_IDENTIFIER, attempts=0)
    await update.effective_message.reply_text(texts.WELCOME_NEW)


async def identifier_received(update: Update, context: BotContext) -> None:
    """Look the email or phone up among the buyers."""
    text = update.effective_message.text or ""
    email = normalise_email(text)
    phone = None if email else normalise_phone(text)
    if email is None and phone is None:
        await update.effective_message.reply_text(texts.ASK_IDENTIFIER_AGAIN)
        return
    buyer = await context.services.storage.avap.find_buyer(email=email, phone=phone)
    if buyer is None:
        context.flow.goto(STEP_IDENTIFIER, attempts=context.flow.data.get("attempts", 0) + 1)
        await update.effective_message.reply_text(texts.BUYER_NOT_FOUND)
        return
    context.flow.clear()
    await update.effective_message.reply_text(texts.BUYER_FOUND.format(name=buyer["name"]))


async def help_command(update: Update, context: BotContext) -> None:
    """List what the bot can do."""
    await update.effective_message.reply_text(texts.HELP)


async def cancel(update: Update, context: BotContext) -> None:
    """Leave any flow."""
    if context.flow.active:
        context.flow.clear()
        await update.effective_message.reply_text(texts.CANCELLED)
    else:
        await update.effective_message.reply_text(texts.NOTHING_TO_CANCEL)


async def not_understood(update: Update, context: BotContext) -> None:
    """Anything else in a private chat."""
    await update.effective_message.reply_text(texts.NOT_UNDERSTOOD)


# new messages only: an edited message is not a new answer to a question
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

HANDLERS = [
    CommandHandler("start", start, filters=PRIVATE),
    CommandHandler("help", help_command),
    CommandHandler("cancel", cancel),
    MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND & in_step(STEP_IDENTIFIER),
                   identifier_received),
]

FALLBACK = [MessageHandler(PRIVATE & filters.TEXT, not_understood)]
