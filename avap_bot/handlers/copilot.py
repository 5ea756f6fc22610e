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
from telegram.ext import CommandHandler, MessageHandler, filters

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import admin_only
from avap_bot.cards import admin_label
from avap_bot.copilot import DRAFT_CHARS, suggestion_text
from avap_bot.filters import ADMIN_STEP, NEW
from avap_bot.handlers.questions import _deliver_answer
from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext, in_step
from shared.telegram_outbox import edit_later

BOT = "avap"
STEP_EDIT = "copilot.edit"


async def _ready(update: Update, context: BotContext,
                 data: cb.SendSuggestion | cb.EditSuggestion | cb.DismissSuggestion,
                 ) -> dict[str, Any]:
    """The suggestion of a button when it still waits for a decision; refused with why
    otherwise (one whose question was answered meanwhile is closed as superseded)."""
    storage = context.services.storage
    suggestion = await storage.copilot.get_suggestion(data.suggestion_id)
    if suggestion is None:
        raise Refused(texts.STALE_BUTTON)
    if suggestion["status"] != "ready":
        raise Refused(texts.SUGGESTION_DECIDED)
    question = await storage.avap.get_question(suggestion["question_id"])
    if question is None or question["answered"]:
        if await storage.copilot.decide(suggestion["id"], "superseded", None) is not None:
            await _close(context, suggestion, texts.SUGGESTION_SUPERSEDED)
        raise Refused(texts.SUGGESTION_ALREADY_ANSWERED)
    return suggestion


async def _close(context: BotContext, suggestion: dict[str, Any], note: str) -> None:
    """The suggestion's message without its buttons, with what happened."""
    if suggestion["message_id"] is not None:
        await edit_later(context.services, BOT, suggestion["chat_id"], suggestion["message_id"],
                         suggestion_text(suggestion) + note)


@admin_only
@on_button(cb.SendSuggestion, _ready)
async def send(update: Update, context: BotContext, data: cb.SendSuggestion,
               suggestion: dict[str, Any]) -> None:
    """Send: the draft goes to the student as this admin's answer."""
    if not suggestion["sendable"]:
        raise Refused(texts.STALE_BUTTON)
    await update.callback_query.answer()
    await _deliver_answer(update, context, suggestion["question_id"], text=suggestion["draft"],
                          suggestion=(suggestion, "sent"))


@admin_only
@on_button(cb.EditSuggestion, _ready)
async def edit(update: Update, context: BotContext, data: cb.EditSuggestion,
               suggestion: dict[str, Any]) -> None:
    """Edit and send: wait for this admin's corrected text in this chat."""
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
@on_button(cb.DismissSuggestion, _ready)
async def dismiss(update: Update, context: BotContext, data: cb.DismissSuggestion,
                  suggestion: dict[str, Any]) -> None:
    """Dismiss: the suggestion is closed; the question stays open."""
    admin = update.effective_user
    if await context.services.storage.copilot.decide(suggestion["id"], "dismissed",
                                                     admin.id) is None:
        raise Refused(texts.SUGGESTION_DECIDED)
    await _close(context, suggestion,
                 texts.SUGGESTION_DISMISSED_BY.format(admin=admin_label(admin)))
    await update.callback_query.answer(texts.SUGGESTION_DISMISSED)


HANDLERS = [
    *button_handlers(send, edit, dismiss),
    CommandHandler("cancel", cancel_edit, filters=NEW & in_step(STEP_EDIT)),
    MessageHandler(ADMIN_STEP & in_step(STEP_EDIT) & filters.TEXT & ~filters.COMMAND, edited),
]
