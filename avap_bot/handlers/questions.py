"""Questions: a student asks (text, voice, photo) and a card goes to the questions group; an admin
answers by replying to the card, with /answer, or with the card's Answer button; /unanswered
lists what is still open.

The answer reaches the student through the outbox, in the transaction that records it, so that a
crash can neither lose an answer nor mark a question answered that the student never got.
"""

from __future__ import annotations

import html
import math
import re
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import Message, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import admin_only, student_only
from avap_bot.cards import admin_label, queue_card
from avap_bot.copilot import suggestion_text, supersede
from avap_bot.filters import ADMIN_STEP, NEW, OTHER, STEP_INPUT, menu_button
from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext, in_step
from shared.storage import utcnow
from shared.telegram_outbox import copy_later, edit_later, send_later

if TYPE_CHECKING:
    from shared.services import Services

BOT = "avap"
STEP_QUESTION = "ask.question"
STEP_ANSWER = "ask.answer"
UNANSWERED_LIMIT = 30
PREVIEW_CHARS = 80
MAX_CAPTION = 1024
# media a copy can carry a caption on (a video note or a sticker cannot)
CAPTIONED = ("photo", "video", "voice", "audio", "document", "animation")
# the start of the plain text Telegram shows for a card ("❓ Question #12 "): how a reply is
# known to target one, and which question it is when the card is not the stored one
CARD_TEXT = re.compile("^" + re.escape(re.sub(r"<[^>]+>", "", texts.QUESTION_CARD.split("{id}")[0]))
                       + r"(\d+)\b")

QUESTION_KINDS = (filters.TEXT & ~filters.COMMAND) | filters.VOICE | filters.PHOTO
ANSWER_KINDS = ((filters.TEXT & ~filters.COMMAND) | filters.VOICE | filters.AUDIO | filters.PHOTO
                | filters.VIDEO | filters.VIDEO_NOTE | filters.ANIMATION | filters.Document.ALL)


class _RepliesToQuestionCard(filters.MessageFilter):
    """A reply to one of our question cards (other replies are left to other features)."""

    def filter(self, message: Message) -> bool:
        card = message.reply_to_message
        return (card is not None and card.from_user is not None and card.from_user.is_bot
                and bool(CARD_TEXT.match(card.text or "")))


REPLY_TO_CARD = _RepliesToQuestionCard(name="replies_to_question_card")


# --- shared with wins: what a message holds, and passing it on -----------------------------
def message_content(message: Message) -> tuple[str, str | None, str | None]:
    """(kind, text or caption, file id) of a student's message."""
    if message.text is not None:
        return "text", message.text, None
    for kind in ("voice", "photo", "video", "audio", "video_note", "animation", "document"):
        media = getattr(message, kind)
        if media:
            file_id = media[-1].file_id if kind == "photo" else media.file_id
            return kind, message.caption, file_id
    return "other", message.caption, None


async def relay(services: Services, chat_id: int, header: str, message: Message, *,
                conn: AsyncConnection) -> None:
    """Queue ``message`` for ``chat_id`` under ``header``: one message when the header fits in
    its text or caption (two queued messages could arrive in either order), else the header and
    then a copy."""
    if message.text is not None:
        await send_later(services, BOT, chat_id, f"{header}\n\n{message.text_html}", conn=conn)
        return
    captioned = any(getattr(message, kind) for kind in CAPTIONED)
    if captioned and len(header) + len(message.caption or "") + 2 <= MAX_CAPTION:
        caption = f"{header}\n\n{message.caption_html}" if message.caption else header
        await copy_later(services, BOT, chat_id, message.chat_id, message.message_id,
                         caption=caption, conn=conn)
        return
    await send_later(services, BOT, chat_id, header, conn=conn)
    await copy_later(services, BOT, chat_id, message.chat_id, message.message_id, conn=conn)


def student_label(student: dict | None, telegram_id: int) -> str:
    """The student's name (a link to their profile) and @username, HTML escaped."""
    name = html.escape(student["name"]) if student else str(telegram_id)
    label = f'<a href="tg://user?id={telegram_id}">{name}</a>'
    username = student.get("username") if student else None
    return f"{label} (@{html.escape(username)})" if username else label


# --- asking ---------------------------------------------------------------------------------
def _cooldown_key(user_id: int) -> str:
    return f"ask:{user_id}"


async def _cooldown_left(context: BotContext, user_id: int) -> float:
    """Seconds before ``user_id`` may ask again; 0 when they may ask now."""
    services = context.services
    if not await services.storage.cooldowns.is_active(_cooldown_key(user_id)):
        return 0
    seconds = services.settings.question_cooldown_seconds
    asked = await services.storage.avap.questions_of(user_id)
    if not asked:
        return seconds
    left = asked[-1]["created_at"] + timedelta(seconds=seconds) - utcnow()
    return max(1.0, left.total_seconds())


def _wait_text(seconds: float) -> str:
    """"2 min" for 119 s: rounded up, so that the student does not come back too early."""
    return texts.age(math.ceil(seconds / 60) * 60 if seconds >= 60 else math.ceil(seconds))


async def _refuse_cooldown(update: Update, left: float) -> None:
    await update.effective_message.reply_text(texts.ASK_COOLDOWN.format(wait=_wait_text(left)),
                                              reply_markup=keyboards.main_menu())


@student_only
async def ask(update: Update, context: BotContext) -> None:
    """Main menu "Ask a question": wait for the question, unless the cooldown runs."""
    left = await _cooldown_left(context, update.effective_user.id)
    if left:
        context.flow.clear()
        await _refuse_cooldown(update, left)
        return
    context.flow.clear()
    context.flow.goto(STEP_QUESTION)
    await update.effective_message.reply_text(texts.ASK_PROMPT,
                                              reply_markup=keyboards.no_keyboard())


def _card_text(question: dict, student: dict | None) -> str:
    return texts.QUESTION_CARD.format(id=question["id"], tg_id=question["telegram_id"],
                                      student=student_label(student, question["telegram_id"]))


async def _post_card(context: BotContext, question: dict, message: Message) -> None:
    """Copy the question to the questions group under a card with an Answer button."""
    avap = context.services.storage.avap
    student = await avap.find_student(telegram_id=question["telegram_id"])
    await queue_card(context, "QUESTIONS_GROUP_ID", ("question", question["id"]),
                     _card_text(question, student) + texts.QUESTION_CARD_HINT,
                     keyboards.answer_question(question["id"]),
                     copy_from=(message.chat_id, message.message_id))


@student_only
async def question_received(update: Update, context: BotContext) -> None:
    """The question: stored, carded in the questions group, and the cooldown started."""
    message = update.effective_message
    user = update.effective_user
    services = context.services
    avap = services.storage.avap
    # a retried update (the card failed half-way) finds its question instead of adding one
    question = await avap.question_by_source(message.chat_id, message.message_id)
    if question is None:
        left = await _cooldown_left(context, user.id)
        if left:
            context.flow.clear()
            await _refuse_cooldown(update, left)
            return
        kind, content, file_id = message_content(message)
        question = await avap.create_question(
            telegram_id=user.id, kind=kind, content=content, file_id=file_id,
            source_chat_id=message.chat_id, source_message_id=message.message_id)
    if question["card_message_id"] is None:
        await _post_card(context, question, message)
    await services.storage.cooldowns.start(_cooldown_key(user.id),
                                           services.settings.question_cooldown_seconds)
    context.flow.clear()
    await message.reply_text(texts.ASK_SENT.format(id=question["id"]),
                             reply_markup=keyboards.main_menu())


@student_only
async def wrong_question_kind(update: Update, context: BotContext) -> None:
    """A sticker, a document...: say what a question can be; the step is kept."""
    await update.effective_message.reply_text(texts.ASK_WRONG_KIND)


# --- answering ------------------------------------------------------------------------------
def _answer_record(message: Message) -> str:
    """What is kept of an answer: its text, or "[voice] caption" for media."""
    kind, content, _ = message_content(message)
    if kind == "text":
        return content or ""
    return f"[{kind}] {content}" if content else f"[{kind}]"


async def _deliver_answer(update: Update, context: BotContext, question_id: int, *,
                          message: Message | None = None, text: str | None = None,
                          suggestion: tuple[dict, str] | None = None) -> bool:
    """Record the answer (``message`` to copy, or typed ``text``), queue it for the student and
    mark the card, in one transaction; tell the admin. False when there is no such question.
    ``suggestion``: (the copilot's suggestion, "sent" | "edited"), closed in the same
    transaction (False when an admin closed it first) and shown on the card."""
    services = context.services
    storage = services.storage
    question = await storage.avap.get_question(question_id)
    if question is None:
        await update.effective_message.reply_text(texts.QUESTION_NOT_FOUND.format(id=question_id))
        return False
    student = await storage.avap.find_student(telegram_id=question["telegram_id"])
    admin = update.effective_user
    header = texts.ANSWER_HEADER.format(id=question_id)
    record = _answer_record(message) if message is not None else text or ""
    async with storage.db.write() as conn:
        if suggestion is not None and await storage.copilot.decide(
                suggestion[0]["id"], suggestion[1], admin.id, conn=conn) is None:
            await update.effective_message.reply_text(texts.SUGGESTION_DECIDED)
            return False
        row, first = await storage.avap.record_answer(question_id, record, admin.id, conn=conn)
        if row is None:
            return False
        if message is not None:
            await relay(services, row["telegram_id"], header, message, conn=conn)
        else:
            await send_later(services, BOT, row["telegram_id"],
                             f"{header}\n\n{html.escape(text or '')}", conn=conn)
        answered = texts.QUESTION_CARD_ANSWERED_VIA if suggestion else \
            texts.QUESTION_CARD_ANSWERED
        if first and row["card_chat_id"] is not None:
            await edit_later(services, BOT, row["card_chat_id"], row["card_message_id"],
                             _card_text(row, student) + answered.format(
                                 admin=admin_label(admin)), conn=conn)
        if suggestion is None and first:
            await supersede(services, question_id, conn=conn)
        if suggestion is not None and suggestion[0]["message_id"] is not None:
            done_note = texts.SUGGESTION_SENT if suggestion[1] == "sent" else \
                texts.SUGGESTION_EDITED
            await edit_later(services, BOT, suggestion[0]["chat_id"], suggestion[0]["message_id"],
                             suggestion_text(suggestion[0]) + done_note.format(
                                 admin=admin_label(admin)), conn=conn)
        # queued too: nothing can fail after the commit and make a retry send the answer twice
        done = texts.ANSWER_SENT if first else texts.ANSWER_FOLLOW_UP_SENT
        await send_later(services, BOT, update.effective_chat.id, done.format(
            id=question_id, student=student_label(student, row["telegram_id"])), conn=conn)
    return True


@admin_only
async def reply_to_card(update: Update, context: BotContext) -> None:
    """An admin replies to a question card (text, voice, photo, video...): that is the answer."""
    message = update.effective_message
    card = message.reply_to_message
    avap = context.services.storage.avap
    number = int(CARD_TEXT.match(card.text).group(1))
    question = await avap.by_card("question", card.chat_id, card.message_id)
    if question is None:  # a card in a second owner's chat (no questions group): by number
        question = await avap.get_question(number)
    if question is None:
        await message.reply_text(texts.QUESTION_NOT_FOUND.format(id=number))
        return
    if await _deliver_answer(update, context, question["id"], message=message) and \
            context.flow.data.get("question_id") == question["id"]:
        context.flow.clear()  # the Answer button was pressed for this one: done too


@admin_only
async def wrong_answer_kind(update: Update, context: BotContext) -> None:
    """A sticker or a poll as an answer: say what an answer can be (the step is kept)."""
    await update.effective_message.reply_text(texts.ANSWER_WRONG_KIND)


@admin_only
async def answer_command(update: Update, context: BotContext) -> None:
    """/answer <question #> <text>: answer a question by its number, from any admin place."""
    parts = (update.effective_message.text or "").split(maxsplit=2)
    number = parts[1].lstrip("#") if len(parts) > 1 else ""
    if len(parts) < 3 or not number.isdigit():
        await update.effective_message.reply_text(texts.ANSWER_USAGE)
        return
    await _deliver_answer(update, context, int(number), text=parts[2].strip())


@admin_only
@on_button(cb.AnswerQuestion)
async def answer_button(update: Update, context: BotContext, data: cb.AnswerQuestion) -> None:
    """The card's Answer button: the admin's next message in this chat is the answer."""
    question = await context.services.storage.avap.get_question(data.question_id)
    if question is None:
        raise Refused(texts.STALE_BUTTON)
    await update.callback_query.answer()
    context.flow.clear()
    context.flow.goto(STEP_ANSWER, question_id=question["id"])
    prompt = texts.ANSWER_PROMPT.format(admin=update.effective_user.mention_html(),
                                        id=question["id"])
    if question["answered"]:
        prompt += texts.ANSWER_PROMPT_FOLLOW_UP
    await context.bot.send_message(update.effective_chat.id, prompt,
                                   reply_markup=keyboards.answer_prompt())


@admin_only
async def answer_in_step(update: Update, context: BotContext) -> None:
    """The admin's message after pressing Answer."""
    question_id = context.flow.data.get("question_id")
    context.flow.clear()
    if isinstance(question_id, int):
        await _deliver_answer(update, context, question_id, message=update.effective_message)


async def cancel_answer(update: Update, context: BotContext) -> None:
    """/cancel after Answer in a group (private chats have the general /cancel)."""
    context.flow.clear()
    await update.effective_message.reply_text(texts.ANSWER_CANCELLED)


# --- the open list --------------------------------------------------------------------------
def _preview(question: dict) -> str:
    content = question.get("content") or ""
    if len(content) > PREVIEW_CHARS:
        content = content[:PREVIEW_CHARS - 1] + "…"
    media = texts.QUESTION_PREVIEW.get(question["type"], "")
    return " ".join(part for part in (media, html.escape(content)) if part) or "—"


@admin_only
async def unanswered(update: Update, context: BotContext) -> None:
    """/unanswered: open questions, oldest first, with their age."""
    rows = await context.services.storage.avap.unanswered(limit=UNANSWERED_LIMIT)
    if not rows:
        await update.effective_message.reply_text(texts.UNANSWERED_NONE)
        return
    now = utcnow()
    lines = [texts.UNANSWERED_HEAD]
    for row in rows:
        lines.append(texts.UNANSWERED_ROW.format(
            id=row["id"], student=html.escape(row["name"] or str(row["telegram_id"])),
            age=texts.age((now - row["created_at"]).total_seconds()), preview=_preview(row)))
    if len(rows) == UNANSWERED_LIMIT:
        lines.append(texts.UNANSWERED_MORE.format(n=UNANSWERED_LIMIT))
    lines.append(texts.UNANSWERED_FOOT)
    await update.effective_message.reply_text("\n".join(lines))


HANDLERS = [
    MessageHandler(menu_button(texts.MENU_ASK), ask),
    MessageHandler(STEP_INPUT & in_step(STEP_QUESTION) & QUESTION_KINDS, question_received),
    MessageHandler(STEP_INPUT & in_step(STEP_QUESTION), wrong_question_kind),
    CommandHandler("answer", answer_command, filters=NEW),
    CommandHandler("unanswered", unanswered, filters=NEW),
    *button_handlers(answer_button),
    MessageHandler(NEW & REPLY_TO_CARD & ANSWER_KINDS, reply_to_card),
    MessageHandler(NEW & REPLY_TO_CARD & OTHER, wrong_answer_kind),
    CommandHandler("cancel", cancel_answer, filters=NEW & in_step(STEP_ANSWER)),
    MessageHandler(ADMIN_STEP & in_step(STEP_ANSWER) & ANSWER_KINDS, answer_in_step),
    MessageHandler(ADMIN_STEP & in_step(STEP_ANSWER) & OTHER, wrong_answer_kind),
]
