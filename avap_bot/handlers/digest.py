"""The admins' morning digest: at DIGEST_TIME (in AVAP_TIMEZONE) the submissions waiting for a
grade and the questions waiting for an answer for more than 24 hours, oldest first, with one
button per item that shows it again with its Grade / Answer buttons and the command hint.

Where it goes: the submissions to the assignment group, the questions to the questions group
(where the admins who handle them work); a part whose group is not set goes privately to each
owner (ADMIN_USER_IDS). Nothing is sent when nothing waits. Messages go through the outbox, so a
Telegram outage delays the digest instead of losing it; the job_runs claim sends it once across
instances.
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import admin_only
from shared.access import Refused
from shared.callbacks import button_handlers, callback, on_button
from shared.flows import BotContext
from shared.storage import utcnow
from shared.telegram_outbox import send_later

if TYPE_CHECKING:
    from shared.scheduler import Scheduler
    from shared.services import Services

log = logging.getLogger(__name__)

BOT = "avap"
JOB_ID = "avap-digest"
WAITING = timedelta(hours=24)
LISTED = 20  # items per part; the rest is counted
PER_ROW = 4
SNIPPET = 50


@callback
class DigestOpen(cb.CallbackData):
    """Show one digest item: kind "s" (submission) or "q" (question)."""

    prefix: ClassVar[str] = "do"
    kind: str
    item_id: int


def _age(created: Any) -> str:
    return texts.age((utcnow() - created).total_seconds())


def _student(row: dict) -> str:
    return html.escape(row.get("name") or str(row["telegram_id"]))


def _snippet(row: dict) -> str:
    text = " ".join((row.get("content") or "").split())
    if not text:
        return html.escape(row.get("type") or "")
    return html.escape(text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "…")


def _buttons(kind: str, rows: list[dict], label: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(label.format(id=r["id"]),
                                    callback_data=DigestOpen(kind, r["id"]).pack()) for r in rows]
    return InlineKeyboardMarkup([buttons[i:i + PER_ROW] for i in range(0, len(buttons), PER_ROW)])


def compose(submissions: list[dict], questions: list[dict], more_s: int = 0,
            more_q: int = 0) -> list[tuple[str, str, InlineKeyboardMarkup]]:
    """(part, text, buttons) for each part that has something waiting."""
    parts = []
    if submissions:
        lines = [texts.DIGEST_SUBMISSIONS_HEAD] + [texts.DIGEST_SUBMISSION_ROW.format(
            id=r["id"], student=_student(r), module=html.escape(r["module"]),
            attempt=r["attempt"], age=_age(r["created_at"])) for r in submissions]
        if more_s:
            lines.append(texts.DIGEST_MORE.format(n=more_s))
        parts.append(("ASSIGNMENT_GROUP_ID", "\n".join(lines),
                      _buttons("s", submissions, texts.BTN_DIGEST_SUBMISSION)))
    if questions:
        lines = [texts.DIGEST_QUESTIONS_HEAD] + [texts.DIGEST_QUESTION_ROW.format(
            id=r["id"], student=_student(r), snippet=_snippet(r), age=_age(r["created_at"]))
            for r in questions]
        if more_q:
            lines.append(texts.DIGEST_MORE.format(n=more_q))
        parts.append(("QUESTIONS_GROUP_ID", "\n".join(lines),
                      _buttons("q", questions, texts.BTN_DIGEST_QUESTION)))
    return parts


async def send_digest(app: Application, services: Services) -> int:
    """The job: queue the digest messages; returns how many were queued (0: nothing waits)."""
    repo = services.storage.engagement
    before = utcnow() - WAITING
    submissions = await repo.waiting_submissions(before, limit=LISTED + 1000)
    questions = await repo.waiting_questions(before, limit=LISTED + 1000)
    parts = compose(submissions[:LISTED], questions[:LISTED],
                    max(0, len(submissions) - LISTED), max(0, len(questions) - LISTED))
    queued = 0
    async with services.storage.db.write() as conn:
        for group, text, markup in parts:
            chat = services.chats.group(group)
            targets = [chat] if chat is not None else sorted(set(services.settings.admin_user_ids))
            for target in targets:
                await send_later(services, BOT, target, text, reply_markup=markup, conn=conn)
                queued += 1
    log.info("digest queued", extra={"submissions": len(submissions),
                                     "questions": len(questions), "messages": queued})
    return queued


def register_jobs(scheduler: Scheduler, app: Application, services: Services) -> None:
    """The digest at DIGEST_TIME in AVAP_TIMEZONE."""
    hour, minute = services.settings.digest_time.split(":")
    scheduler.cron(JOB_ID, send_digest, app, services,
                   timezone=services.settings.avap_timezone, hour=int(hour), minute=int(minute))


@admin_only
@on_button(DigestOpen)
async def open_item(update: Update, context: BotContext, data: DigestOpen) -> None:
    """A digest button: the item again, with its Grade / Answer buttons (or "handled")."""
    query = update.callback_query
    avap = context.services.storage.avap
    chat_id = query.message.chat_id
    if data.kind not in ("s", "q"):
        raise Refused(texts.STALE_BUTTON, alert=False)
    if data.kind == "s":
        row = await avap.get_submission(data.item_id)
        if row is None or row["status"] != "submitted":
            raise Refused(texts.DIGEST_GONE)
        student = await avap.find_student(telegram_id=row["telegram_id"])
        text = texts.DIGEST_OPEN_SUBMISSION.format(
            id=row["id"], student=_student({**row, "name": student and student["name"]}),
            module=html.escape(row["module"]), attempt=row["attempt"],
            age=_age(row["created_at"]))
        markup = keyboards.submission_card(row["id"])
    else:
        row = await avap.get_question(data.item_id)
        if row is None or row["answered"]:
            raise Refused(texts.DIGEST_GONE)
        student = await avap.find_student(telegram_id=row["telegram_id"])
        text = texts.DIGEST_OPEN_QUESTION.format(
            id=row["id"], student=_student({**row, "name": student and student["name"]}),
            age=_age(row["created_at"]))
        markup = keyboards.answer_question(row["id"])
    await query.answer()
    if row.get("source_chat_id") and row.get("source_message_id"):
        try:
            await context.bot.copy_message(chat_id, row["source_chat_id"],
                                           row["source_message_id"])
        except BadRequest as exc:  # the student deleted it: the summary still helps
            log.info("digest item's message is gone", extra={"error": exc.message})
    await context.bot.send_message(chat_id, text, reply_markup=markup)


HANDLERS = [
    *button_handlers(open_item),
]
