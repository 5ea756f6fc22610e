"""The FAQ the copilot draws on, kept by the admins from Telegram:

- ``/faq``: the entries, each with a 🗑 button that removes it;
- ``/faq add``: the question, then the answer (two steps, /cancel leaves);
- ``/faq import``: a .txt or .md document of Q/A pairs (``avap_bot.faq_import``), sent after
  the command or with it as the document's caption.

The search index follows by itself (migration 0013).
"""

from __future__ import annotations

import html
import re

from telegram import Message, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import admin_only
from avap_bot.faq_import import parse_faq
from avap_bot.filters import ADMIN_STEP, NEW
from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext, in_step

STEP_QUESTION = "faq.question"
STEP_ANSWER = "faq.answer"
STEP_IMPORT = "faq.import"
STEPS = (STEP_QUESTION, STEP_ANSWER, STEP_IMPORT)
LIST_LIMIT = 50
SNIPPET = 80
MESSAGE_CHARS = 3600
MAX_BYTES = 1_000_000
TEXT_TYPES = ("text/plain", "text/markdown", "text/x-markdown")
IMPORT_CAPTION = filters.CaptionRegex(re.compile(r"^/faq(@\w+)?\s+import\b", re.IGNORECASE))


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return html.escape(text if len(text) <= limit else text[:limit - 1] + "…")


async def _list_text(context: BotContext) -> tuple[str, list[int]]:
    entries = await context.services.storage.copilot.list_faq(limit=LIST_LIMIT)
    if not entries:
        return texts.FAQ_EMPTY, []
    lines = [texts.FAQ_HEAD.format(n=len(entries))]
    shown: list[int] = []
    for e in entries:  # one message (an edit cannot be split): what fits
        row = texts.FAQ_ROW.format(id=e["id"], question=_short(e["question"], SNIPPET),
                                   answer=_short(e["answer"], SNIPPET))
        if sum(len(x) + 1 for x in lines) + len(row) > MESSAGE_CHARS:
            break
        lines.append(row)
        shown.append(int(e["id"]))
    lines.append(texts.FAQ_FOOT)
    return "\n".join(lines), shown


@admin_only
async def faq(update: Update, context: BotContext) -> None:
    """/faq, /faq add, /faq import."""
    parts = (update.effective_message.text or "").split()
    sub = parts[1].lower() if len(parts) > 1 else ""
    message = update.effective_message
    if sub == "add":
        context.flow.clear()
        context.flow.goto(STEP_QUESTION)
        await message.reply_text(texts.FAQ_ASK_QUESTION, reply_markup=keyboards.answer_prompt())
    elif sub == "import":
        context.flow.clear()
        context.flow.goto(STEP_IMPORT)
        await message.reply_text(texts.FAQ_IMPORT_PROMPT, reply_markup=keyboards.answer_prompt())
    elif sub:
        await message.reply_text(texts.FAQ_USAGE)
    else:
        text, ids = await _list_text(context)
        await message.reply_text(text, reply_markup=keyboards.faq_remove(ids))


@admin_only
async def question_step(update: Update, context: BotContext) -> None:
    """/faq add, step 1: the question."""
    context.flow.goto(STEP_ANSWER, question=update.effective_message.text.strip())
    await update.effective_message.reply_text(texts.FAQ_ASK_ANSWER,
                                              reply_markup=keyboards.answer_prompt())


@admin_only
async def answer_step(update: Update, context: BotContext) -> None:
    """/faq add, step 2: the answer; the entry is stored."""
    question = str(context.flow.data.get("question") or "")
    context.flow.clear()
    faq_id = await context.services.storage.copilot.add_faq(
        question, update.effective_message.text.strip(), update.effective_user.id)
    await update.effective_message.reply_text(texts.FAQ_ADDED.format(id=faq_id))


async def _import(message: Message, context: BotContext) -> None:
    document = message.document
    name = (document.file_name or "").lower()
    if (document.file_size or 0) > MAX_BYTES or not (
            name.endswith((".txt", ".md", ".markdown")) or document.mime_type in TEXT_TYPES):
        await message.reply_text(texts.FAQ_IMPORT_BAD_FILE)
        return
    file = await context.bot.get_file(document.file_id)
    raw = bytes(await file.download_as_bytearray())[:MAX_BYTES]
    pairs = parse_faq(raw.decode("utf-8", errors="replace"))
    if not pairs:
        await message.reply_text(texts.FAQ_IMPORT_NONE)
        return
    copilot = context.services.storage.copilot
    async with context.services.storage.db.write() as conn:
        for question, answer in pairs:
            await copilot.add_faq(question, answer, message.from_user.id, conn=conn)
    await message.reply_text(texts.FAQ_IMPORTED.format(n=len(pairs)))


@admin_only
async def import_step(update: Update, context: BotContext) -> None:
    """/faq import, then the document."""
    context.flow.clear()
    await _import(update.effective_message, context)


@admin_only
async def import_with_caption(update: Update, context: BotContext) -> None:
    """A document with "/faq import" as its caption."""
    await _import(update.effective_message, context)


@admin_only
async def not_text(update: Update, context: BotContext) -> None:
    """Something else than text in /faq add: ask again (the step is kept)."""
    await update.effective_message.reply_text(texts.FAQ_TEXT_ONLY)


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel during /faq add or /faq import."""
    context.flow.clear()
    await update.effective_message.reply_text(texts.FAQ_CANCELLED)


@admin_only
@on_button(cb.RemoveFaq)
async def remove(update: Update, context: BotContext, data: cb.RemoveFaq) -> None:
    """🗑 under the list: the entry is removed and the list shown again."""
    query = update.callback_query
    if not await context.services.storage.copilot.remove_faq(data.faq_id):
        raise Refused(texts.STALE_BUTTON)
    await query.answer(texts.FAQ_REMOVED.format(id=data.faq_id))
    text, ids = await _list_text(context)
    await query.edit_message_text(text, reply_markup=keyboards.faq_remove(ids))


TEXT = filters.TEXT & ~filters.COMMAND
HANDLERS = [
    CommandHandler("faq", faq, filters=NEW),
    MessageHandler(NEW & filters.Document.ALL & IMPORT_CAPTION, import_with_caption),
    CommandHandler("cancel", cancel, filters=NEW & in_step(*STEPS)),
    MessageHandler(ADMIN_STEP & in_step(STEP_QUESTION) & TEXT, question_step),
    MessageHandler(ADMIN_STEP & in_step(STEP_ANSWER) & TEXT, answer_step),
    MessageHandler(ADMIN_STEP & in_step(STEP_IMPORT) & filters.Document.ALL, import_step),
    MessageHandler(ADMIN_STEP & in_step(*STEPS) & ~filters.COMMAND, not_text),
    *button_handlers(remove),
]
