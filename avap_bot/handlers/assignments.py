"""Submitting an assignment: module → kind → the work itself → summary → confirm.

The work is never downloaded: the card in the assignment group is a copy of the student's message
(``copyMessage`` by id), so a 1 GB video costs us nothing. A cooldown per student and module
stops flooding; a revision request (handlers/grading.py) lifts it.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import MessageHandler

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import student_only
from avap_bot.cards import queue_card
from avap_bot.filters import STEP_INPUT, menu_button
from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext, in_step
from shared.storage import utcnow
from shared.telegram import is_message_not_modified, is_query_too_old

STEP_MODULE = "submit.module"
STEP_KIND = "submit.kind"
STEP_CONTENT = "submit.content"
STEP_CONFIRM = "submit.confirm"
PREVIEW_CHARS = 300

Row = dict[str, Any]


# --- small helpers, shared with grading ---------------------------------------------------------
async def answer(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press; one pressed while we were down is too old to answer: fine."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        if not is_query_too_old(exc):
            raise


async def show(query: CallbackQuery, text: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    """Turn the pressed message into ``text`` (a double press changes nothing: fine; a message
    that can no longer be edited gets a new one instead)."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if not is_message_not_modified(exc):
            await query.get_bot().send_message(query.message.chat.id, text, reply_markup=markup)


def cooldown_key(telegram_id: int, module: str) -> str:
    return f"submit:{telegram_id}:{module}"


def card_text(submission: Row, student: Row | None) -> str:
    """The first lines of a submission's card, the same when posted and when its state changes."""
    name = html.escape(student["name"]) if student else str(submission["telegram_id"])
    if student and student.get("username"):
        name += f" (@{html.escape(student['username'])})"
    return texts.SUBMISSION_CARD.format(
        id=submission["id"], student=name, tg_id=submission["telegram_id"],
        module=html.escape(submission["module"]), attempt=submission["attempt"],
        label=keyboards.KINDS.get(submission["type"], submission["type"]))


async def _cooldown_left(context: BotContext, telegram_id: int, module: str) -> float:
    """Seconds until this student may submit this module again (0: now)."""
    until = await context.services.storage.avap.cooldown_until(cooldown_key(telegram_id, module))
    return (until - utcnow()).total_seconds() if until is not None else 0.0


async def _tell_cooldown(message: Message, module: str, seconds: float) -> None:
    await message.reply_text(texts.SUBMIT_COOLDOWN.format(
        module=html.escape(module), wait=texts.cooldown_wait(seconds)))


async def _next_step(update: Update, context: BotContext, step: str, text: str,
                     markup: InlineKeyboardMarkup | None = None, **data: Any) -> None:
    """Show the next step in the flow's own message (the picker) when its button was pressed,
    else in a new one: a Resubmit button must not overwrite the team's comment."""
    query = update.callback_query
    picker = context.flow.data.get("picker")
    if query.message is not None and query.message.message_id == picker:
        await show(query, text, markup)
    else:
        picker = (await context.bot.send_message(update.effective_chat.id, text,
                                                 reply_markup=markup)).message_id
    context.flow.goto(step, picker=picker, **data)


def _content(message: Message, kind: str) -> tuple[str | None, str | None] | None:
    """(text or caption, Telegram file id) when ``message`` is of ``kind``; None otherwise."""
    if kind == "text":
        return (message.text, None) if message.text else None
    media = {
        "voice": message.voice or message.audio,
        "video": message.video or message.video_note,
        "document": message.document,
        "photo": message.photo[-1] if message.photo else None,
    }.get(kind)
    if media is None:
        return None
    return message.caption, media.file_id


# --- the student's steps ------------------------------------------------------------------------
@student_only
async def start_submission(update: Update, context: BotContext) -> None:
    """📝 Submit assignment: ask which module."""
    context.flow.clear()
    sent = await update.effective_message.reply_text(
        texts.SUBMIT_PICK_MODULE, reply_markup=keyboards.modules(
            context.services.settings.avap_modules))
    context.flow.goto(STEP_MODULE, picker=sent.message_id)


@student_only
@on_button(cb.PickModule)
async def module_chosen(update: Update, context: BotContext, data: cb.PickModule) -> None:
    """A module picked (in the picker, or a Resubmit button): unless on cooldown, ask the kind."""
    query = update.callback_query
    modules = context.services.settings.avap_modules
    if not 0 <= data.index < len(modules):
        raise Refused(texts.STALE_BUTTON, alert=False)
    module = modules[data.index]
    wait = await _cooldown_left(context, update.effective_user.id, module)
    if wait > 0:
        await answer(query)
        await _tell_cooldown(query.message, module, wait)
        return
    picker = context.flow.data.get("picker")
    context.flow.clear()
    context.flow.data["picker"] = picker
    await _next_step(update, context, STEP_KIND,
                     texts.SUBMIT_PICK_KIND.format(module=html.escape(module)),
                     keyboards.kinds(), module=module)
    await answer(query)


@student_only
@on_button(cb.PickKind)
async def kind_chosen(update: Update, context: BotContext, data: cb.PickKind) -> None:
    """The kind of work picked: ask for it (a new pick while waiting changes the kind)."""
    kind = data.kind
    flow = context.flow
    if flow.step not in (STEP_KIND, STEP_CONTENT, STEP_CONFIRM) or kind not in keyboards.KINDS:
        raise Refused(texts.STALE_BUTTON, alert=False)
    for key in ("message_id", "content", "file_id", "summary"):
        flow.data.pop(key, None)
    await _next_step(update, context, STEP_CONTENT, texts.SUBMIT_SEND_NOW.format(
        module=html.escape(flow.data["module"]), label=keyboards.KINDS[kind],
        what=texts.SUBMIT_WHAT[kind]), kind=kind)
    await answer(update.callback_query)


@student_only
async def content_received(update: Update, context: BotContext) -> None:
    """The work itself: the chosen kind gets a summary to confirm; any other kind, a hint."""
    message = update.effective_message
    flow = context.flow
    kind, module = flow.data["kind"], flow.data["module"]
    content = _content(message, kind)
    if content is None:
        await message.reply_text(texts.SUBMIT_WRONG_KIND.format(
            what=texts.SUBMIT_WHAT[kind], module=html.escape(module)))
        return
    text, file_id = content
    preview = ""
    if text:
        short = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"
        preview = texts.SUBMIT_PREVIEW.format(text=html.escape(short))
    summary = await message.reply_text(
        texts.SUBMIT_SUMMARY.format(module=html.escape(module), label=keyboards.KINDS[kind],
                                    preview=preview, what=texts.SUBMIT_WHAT[kind]),
        reply_markup=keyboards.confirm_submission())
    flow.goto(STEP_CONFIRM, message_id=message.message_id, content=text, file_id=file_id,
              summary=summary.message_id)


@student_only
async def use_the_buttons(update: Update, context: BotContext) -> None:
    """A message while a module or a kind is to be picked: point to the buttons."""
    await update.effective_message.reply_text(texts.SUBMIT_USE_BUTTONS)


@student_only
@on_button(cb.ConfirmSubmission)
async def confirm(update: Update, context: BotContext, data: cb.ConfirmSubmission) -> None:
    """Send or Cancel under the summary: store the submission and post its card, or drop it."""
    query = update.callback_query
    flow = context.flow
    if flow.step != STEP_CONFIRM or query.message is None or \
            query.message.message_id != flow.data.get("summary"):
        raise Refused(texts.STALE_BUTTON, alert=False)
    if not data.yes:
        flow.clear()
        await show(query, texts.SUBMIT_CANCELLED)
        await answer(query)
        return
    user, module = update.effective_user, flow.data["module"]
    avap = context.services.storage.avap
    submission = await avap.submission_by_source(update.effective_chat.id,
                                                 flow.data["message_id"])
    if submission is None:  # else: a retried update, stored already
        wait = await _cooldown_left(context, user.id, module)
        if wait > 0:
            await answer(query)
            await _tell_cooldown(query.message, module, wait)
            return
    submission = await _store(update, context, submission)
    await _post_card(context, submission)
    seconds = context.services.settings.submission_cooldown_seconds
    if seconds > 0:
        await context.services.storage.cooldowns.start(cooldown_key(user.id, module), seconds)
    flow.clear()
    await show(query, texts.SUBMIT_SENT.format(id=submission["id"], module=html.escape(module),
                                               attempt=submission["attempt"]))
    await answer(query)


async def _store(update: Update, context: BotContext, submission: Row | None) -> Row:
    """The submission of the flow's message: ``submission`` when stored already, else new."""
    if submission is not None:
        return submission
    data = context.flow.data
    return await context.services.storage.avap.create_submission(
        telegram_id=update.effective_user.id, module=data["module"], kind=data["kind"],
        content=data.get("content"), file_id=data.get("file_id"),
        source_chat_id=update.effective_chat.id, source_message_id=data["message_id"])


async def _post_card(context: BotContext, submission: Row) -> None:
    """Queue a copy of the work with the card replying to it, for the assignment group (once)."""
    if submission["card_message_id"] is not None:
        return
    avap = context.services.storage.avap
    student = await avap.find_student(telegram_id=submission["telegram_id"])
    await queue_card(
        context, "ASSIGNMENT_GROUP_ID", ("submission", submission["id"]),
        card_text(submission, student) + texts.SUBMISSION_CARD_HINT,
        keyboards.submission_card(submission["id"]),
        copy_from=(submission["source_chat_id"], submission["source_message_id"]))


HANDLERS = [
    MessageHandler(menu_button(texts.MENU_SUBMIT), start_submission),
    *button_handlers(module_chosen, kind_chosen, confirm),
    MessageHandler(STEP_INPUT & in_step(STEP_CONTENT, STEP_CONFIRM), content_received),
    MessageHandler(STEP_INPUT & in_step(STEP_MODULE, STEP_KIND), use_the_buttons),
]
