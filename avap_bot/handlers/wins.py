"""Share a win: a student tells what worked (text, photo, video); it is stored, posted to the
support group under the student's name, and the student is congratulated."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import MessageHandler, filters

from avap_bot import keyboards, texts
from avap_bot.access import student_only
from avap_bot.cards import group_or_owners
from avap_bot.filters import STEP_INPUT, menu_button
from avap_bot.handlers.questions import message_content, relay, student_label
from shared.flows import BotContext, in_step

STEP_WIN = "win.story"

WIN_KINDS = (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | filters.VIDEO


@student_only
async def share(update: Update, context: BotContext) -> None:
    """Main menu "Share a win": wait for the story."""
    context.flow.clear()
    context.flow.goto(STEP_WIN)
    await update.effective_message.reply_text(texts.WIN_PROMPT,
                                              reply_markup=keyboards.no_keyboard())


@student_only
async def win_received(update: Update, context: BotContext) -> None:
    """The win: stored and queued for the support group in one transaction; congratulations."""
    message = update.effective_message
    user = update.effective_user
    services = context.services
    storage = services.storage
    student = await storage.avap.verified_student(user.id)
    header = texts.WIN_HEADER.format(student=student_label(student, user.id))
    kind, content, file_id = message_content(message)
    async with storage.db.write() as conn:
        win = await storage.avap.share_win(
            telegram_id=user.id, kind=kind, content=content, file_id=file_id,
            source_chat_id=message.chat_id, source_message_id=message.message_id, conn=conn)
        if win is not None:  # None: a retried update, posted already
            for chat_id in group_or_owners(context, "SUPPORT_GROUP_ID"):
                await relay(services, chat_id, header, message, conn=conn)
    context.flow.clear()
    name = student["name"] if student else user.full_name
    await message.reply_text(texts.WIN_THANKS.format(name=html.escape(name)),
                             reply_markup=keyboards.main_menu())


@student_only
async def wrong_win_kind(update: Update, context: BotContext) -> None:
    """A voice message, a sticker...: say what a win can be; the step is kept."""
    await update.effective_message.reply_text(texts.WIN_WRONG_KIND)


HANDLERS = [
    MessageHandler(menu_button(texts.MENU_WIN), share),
    MessageHandler(STEP_INPUT & in_step(STEP_WIN) & WIN_KINDS, win_received),
    MessageHandler(STEP_INPUT & in_step(STEP_WIN), wrong_win_kind),
]
