"""The buttons under a suggested answer (avap_bot/copilot.py posts it under the question card):

- Send: the draft is the admin's answer, exactly like a reply to the card (the card then says
  "answered by X via suggestion");
- Edit and send: the admin's next text message in this chat is the answer (the draft is shown
  to copy); /cancel leaves the suggestion as it was;
- Dismiss: the suggestion is closed, the question stays open.

Admins only; a suggestion closed already, or whose question was answered meanwhile, says so.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import admin_only
from avap_bot.cards import admin_label
from avap_bot.copilot import DRAFT_CHARS, suggestion_text
from avap_bot.filters import ADMIN_STEP, NEW
from avap_bot.handlers.questions import _deliver_answer
from shared.flows import BotContext, in_step
from shared.telegram_outbox import edit_later

BOT = "avap"
STEP_EDIT = "copilot.edit"


async def _ready(update: Update, context: BotContext,
                 button: type[cb.SendSuggestion | cb.EditSuggestion | cb.DismissSuggestion],
                 ) -> dict[str, Any] | None:
    """The suggestion of a ``button`` when it still waits for a decision; else an alert says
    why."""
    query = update.callback_query
    data = button.parse(query.data)
    suggestion_id = data.suggestion_id if data else None
    storage = context.services.storage
    suggestion = (await storage.copilot.get_suggestion(suggestion_id)
                  if suggestion_id is not None else None)
    if suggestion is None:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return None
    if suggestion["status"] != "ready":
        await query.answer(texts.SUGGESTION_DECIDED, show_alert=True)
        return None
    question = await storage.avap.get_question(suggestion["question_id"])
    if question is None or question["answered"]:
        if await storage.copilot.decide(suggestion["id"], "superseded", None) is not None:
            await _close(context, suggestion, texts.SUGGESTION_SUPERSEDED)
        await query.answer(texts.SUGGESTION_ALREADY_ANSWERED, show_alert=True)
        return None
    return suggestion


async def _close(context: BotContext, suggestion: dict[str, Any], note: str) -> None:
    """The suggestion's message without its buttons, with what happened."""
    if suggestion["message_id"] is not None:
        await edit_later(context.services, BOT, suggestion["chat_id"], suggestion["message_id"],
                         suggestion_text(suggestion) + note)


@admin_only
async def send(update: Update, context: BotContext) -> None:
    """Send: the draft goes to the student as this admin's answer."""
    suggestion = await _ready(update, context, cb.SendSuggestion)
    if suggestion is None:
        return
    if not suggestion["sendable"]:
        await update.callback_query.answer(texts.STALE_BUTTON, show_alert=True)
        return
    await update.callback_query.answer()
    await _deliver_answer(update, context, suggestion["question_id"], text=suggestion["draft"],
                          suggestion=(suggestion, "sent"))


@admin_only
async def edit(update: Update, context: BotContext) -> None:
    """Edit and send: wait for this admin's corrected text in this chat."""
    suggestion = await _ready(update, context, cb.EditSuggestion)
    if suggestion is None:
        return
    await update.callback_query.answer()
    context.flow.clear()
    context.flow.goto(STEP_EDIT, suggestion_id=suggestion["id"])
    await context.bot.send_message(
        update.effective_chat.id, texts.SUGGESTION_EDIT_PROMPT.format(
            admin=update.effective_user.mention_html(), id=suggestion["question_id"],
            draft=html.escape((suggestion["draft"] or "")[:DRAFT_CHARS])),
        reply_markup=keyboards.answer_prompt())


@admin_only
async def edited(update: Update, context: BotContext) -> None:
    """The corrected answer after Edit and send."""
    suggestion_id = context.flow.data.get("suggestion_id")
    context.flow.clear()
    storage = context.services.storage
    suggestion = (await storage.copilot.get_suggestion(suggestion_id)
                  if isinstance(suggestion_id, int) else None)
    if suggestion is None or suggestion["status"] != "ready":
        await update.effective_message.reply_text(texts.SUGGESTION_DECIDED)
        return
    await _deliver_answer(update, context, suggestion["question_id"],
                          message=update.effective_message, suggestion=(suggestion, "edited"))


async def cancel_edit(update: Update, context: BotContext) -> None:
    """/cancel after Edit and send."""
    context.flow.clear()
    await update.effective_message.reply_text(texts.SUGGESTION_EDIT_CANCELLED)


@admin_only
async def dismiss(update: Update, context: BotContext) -> None:
    """Dismiss: the suggestion is closed; the question stays open."""
    suggestion = await _ready(update, context, cb.DismissSuggestion)
    if suggestion is None:
        return
    admin = update.effective_user
    if await context.services.storage.copilot.decide(suggestion["id"], "dismissed",
                                                     admin.id) is None:
        await update.callback_query.answer(texts.SUGGESTION_DECIDED, show_alert=True)
        return
    await _close(context, suggestion,
                 texts.SUGGESTION_DISMISSED_BY.format(admin=admin_label(admin)))
    await update.callback_query.answer(texts.SUGGESTION_DISMISSED)


HANDLERS = [
    CallbackQueryHandler(send, pattern=cb.SendSuggestion.pattern()),
    CallbackQueryHandler(edit, pattern=cb.EditSuggestion.pattern()),
    CallbackQueryHandler(dismiss, pattern=cb.DismissSuggestion.pattern()),
    CommandHandler("cancel", cancel_edit, filters=NEW & in_step(STEP_EDIT)),
    MessageHandler(ADMIN_STEP & in_step(STEP_EDIT) & filters.TEXT & ~filters.COMMAND, edited),
]
