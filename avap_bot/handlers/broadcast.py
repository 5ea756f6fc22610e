"""/broadcast: an admin's message copied to every verified student (or to one module's).

The admin sends the message, picks the audience, sees a preview with the number of recipients and
confirms. This module holds those steps only. Sending does not happen in the handler (the inbox
worker must stay free): the confirm button writes one delivery row per recipient and hands the
broadcast to the sending engine (avap_bot/broadcasting.py), which sends it in the background,
shows the progress, reports the counts at the end, and resumes it after a restart (``on_ready``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CommandHandler, MessageHandler

from avap_bot import broadcasting, keyboards, texts
from avap_bot import callbacks as cb
from avap_bot.access import admin_only
from avap_bot.broadcasting import audience_label
from avap_bot.filters import NEW, STEP_INPUT
from shared.access import Refused, refuse
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext, in_step
from shared.telegram import is_message_not_modified

if TYPE_CHECKING:
    from shared.services import Services

log = logging.getLogger(__name__)

STEP_MESSAGE = "broadcast.message"
Button = cb.BroadcastModules | cb.BroadcastAudience | cb.BroadcastSend


def _kind(message: Message) -> str | None:
    """What the admin sent, or None for something we do not broadcast (sticker, poll...)."""
    if message.text:
        return "text"
    for kind in ("photo", "animation", "video", "video_note", "voice", "audio", "document"):
        if getattr(message, kind):
            return kind
    return None


def _module_of(audience: str) -> str | None:
    return audience.removeprefix("module:") if audience.startswith("module:") else None


# --- the admin's steps --------------------------------------------------------------------------
@admin_only
async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast (in private): ask for the message to send."""
    if update.effective_chat.type != "private":
        await refuse(update, texts.BROADCAST_PRIVATE_ONLY)
        return
    context.flow.goto(STEP_MESSAGE)
    await update.effective_message.reply_text(texts.BROADCAST_ASK)


@admin_only
async def message_received(update: Update, context: BotContext) -> None:
    """The message to broadcast: keep it as a draft and ask for the audience."""
    message = update.effective_message
    kind = _kind(message)
    if kind is None:
        await message.reply_text(texts.BROADCAST_UNSUPPORTED)
        return
    avap = context.services.storage.avap
    # a retried update finds the draft it made the first time
    draft = await avap.broadcast_by_source(message.chat_id, message.message_id)
    broadcast_id = draft["id"] if draft is not None else await avap.create_broadcast(
        created_by=update.effective_user.id, audience="all", source_chat_id=message.chat_id,
        source_message_id=message.message_id, kind=kind,
        content=(message.text_html if kind == "text" else message.caption_html) or "")
    context.flow.clear()
    everyone = len(await avap.audience())
    await message.reply_text(texts.BROADCAST_AUDIENCE,
                             reply_markup=keyboards.broadcast_audience(broadcast_id, everyone))


async def _draft(update: Update, context: BotContext, data: Button) -> dict:
    """The broadcast of a button while it is still a draft (refused once it is not)."""
    broadcast = await context.services.storage.avap.get_broadcast(data.broadcast_id)
    if broadcast is None or broadcast["status"] != "draft":
        raise Refused(texts.BROADCAST_NOT_DRAFT)
    return broadcast


async def _edit(query: Any, text: str, reply_markup: Any = None) -> None:
    """Edit the message under the buttons; a double click (same text) is not an error."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        if not is_message_not_modified(exc):
            raise


@admin_only
@on_button(cb.BroadcastModules, _draft)
async def modules_shown(update: Update, context: BotContext, data: cb.BroadcastModules,
                        broadcast: dict) -> None:
    """The "students of one module" button: show the module picker."""
    query = update.callback_query
    await _edit(query, texts.BROADCAST_PICK_MODULE, keyboards.broadcast_modules(
        data.broadcast_id, context.services.settings.avap_modules))
    await query.answer()


@admin_only
@on_button(cb.BroadcastAudience, _draft)
async def audience_chosen(update: Update, context: BotContext, data: cb.BroadcastAudience,
                          broadcast: dict) -> None:
    """An audience was picked: show the preview and the number of recipients, ask to confirm."""
    modules = context.services.settings.avap_modules
    if data.module_index >= len(modules) or data.module_index < -1:
        raise Refused(texts.STALE_BUTTON, alert=False)
    query = update.callback_query
    module = modules[data.module_index] if data.module_index >= 0 else None
    audience = f"module:{module}" if module is not None else "all"
    avap = context.services.storage.avap
    recipients = await avap.audience(module)
    if not recipients:
        await _edit(query, texts.BROADCAST_EMPTY.format(audience=audience_label(audience)),
                    keyboards.broadcast_audience(data.broadcast_id, len(await avap.audience())))
        await query.answer()
        return
    await avap.set_broadcast_audience(data.broadcast_id, audience)
    await _edit(query, texts.BROADCAST_CHOSEN.format(audience=audience_label(audience)))
    chat_id = query.message.chat_id
    await context.bot.copy_message(chat_id, broadcast["source_chat_id"],
                                   broadcast["source_message_id"])
    await context.bot.send_message(
        chat_id, texts.BROADCAST_PREVIEW.format(audience=audience_label(audience),
                                                n=len(recipients)),
        reply_markup=keyboards.broadcast_confirm(data.broadcast_id, len(recipients)))
    await query.answer()


@admin_only
@on_button(cb.BroadcastSend)
async def send_chosen(update: Update, context: BotContext, data: cb.BroadcastSend) -> None:
    """Send (start the background sending) or cancel the draft."""
    query = update.callback_query
    avap = context.services.storage.avap
    if not data.yes:
        if not await avap.cancel_broadcast(data.broadcast_id):
            raise Refused(texts.BROADCAST_NOT_DRAFT)
        await _edit(query, texts.BROADCAST_CANCELLED)
        await query.answer()
        return
    broadcast = await _draft(update, context, data)
    # the audience again, now: whoever blocked the bot since the preview is left out
    recipients = await avap.audience(_module_of(broadcast["audience"]))
    label = audience_label(broadcast["audience"])
    if not recipients:
        raise Refused(texts.BROADCAST_EMPTY.format(audience=label))
    progress = texts.BROADCAST_PROGRESS.format(id=data.broadcast_id, audience=label, sent=0,
                                               blocked=0, failed=0, done=0,
                                               total=len(recipients))
    # the confirmation becomes the progress message (its buttons go away)
    chat_id, message_id = query.message.chat_id, query.message.message_id
    try:
        await query.edit_message_text(progress)
    except BadRequest as exc:
        # not modified: a retried update, it shows the progress already
        if not is_message_not_modified(exc):  # too old to edit, or gone: a new message
            sent = await context.bot.send_message(chat_id, progress)
            message_id = sent.message_id
    if not await avap.start_broadcast(data.broadcast_id, recipients, chat_id, message_id):
        raise Refused(texts.BROADCAST_NOT_DRAFT)
    log.info("broadcast confirmed", extra={"broadcast_id": data.broadcast_id,
                                           "recipients": len(recipients)})
    broadcasting.launch(context.application, context.services, data.broadcast_id)
    await query.answer()


async def on_ready(app: Application, services: Services) -> None:
    """After a restart: resume every broadcast that was still sending."""
    await broadcasting.resume(app, services)


HANDLERS = [
    CommandHandler("broadcast", broadcast_command, filters=NEW),
    MessageHandler(STEP_INPUT & in_step(STEP_MESSAGE), message_received),
    *button_handlers(modules_shown, audience_chosen, send_chosen),
]
