"""Grading: /grade in reply to a card or by submission number, the card's Grade and Request
revision buttons, confirming a second grade, and /ungraded.

The grade (or the revision request), the student's message and the card's new state are written
in one transaction: the outbox delivers both messages, so a crash loses neither.
"""

from __future__ import annotations

import html
import re
from typing import Any

from telegram import ForceReply, Update, User
from telegram.ext import CommandHandler, MessageHandler, filters

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import admin_only
from avap_bot.cards import admin_label
from avap_bot.filters import ADMIN_STEP, NEW, PRIVATE
from avap_bot.handlers.assignments import answer, card_text, cooldown_key, show
from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext, in_step
from shared.storage import utcnow
from shared.telegram_outbox import edit_later, send_later

BOT = "avap"
STEP_SCORE = "grade.score"  # data: submission_id
STEP_REVISION = "grade.revision"  # data: submission_id
STEP_REGRADE = "grade.confirm"  # data: submission_id, score, comment
MAX_SCORE = 10
CARD_COMMENT_CHARS = 300
UNGRADED_LIMIT = 30

Row = dict[str, Any]

SCORE = re.compile(r"(\d{1,2})(?:/10)?")
# what an admin may have meant as a score: checked, then refused with a clear message
SCORE_LIKE = re.compile(r"[-+]?\d+(?:[.,]\d+)?(?:/\d+)?")
NUMBER = re.compile(r"#?(\d{1,18})")


# --- parsing --------------------------------------------------------------------------------------
def _after_command(text: str | None) -> str:
    """What follows "/grade" (or "/grade@bot"), line breaks of the comment kept."""
    parts = (text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def _parse_grade(text: str) -> tuple[int, str | None] | str:
    """(score, comment) from "8 Great work", or the message that says what is wrong."""
    parts = text.strip().split(maxsplit=1)
    if not parts:
        return texts.GRADE_USAGE
    m = SCORE.fullmatch(parts[0])
    if m is None or int(m.group(1)) > MAX_SCORE:
        return texts.GRADE_BAD_SCORE.format(value=html.escape(parts[0][:20]))
    comment = parts[1].strip() if len(parts) > 1 else ""
    return int(m.group(1)), comment or None


def _mention(user: User) -> str:
    """The admin, mentioned so that the ForceReply prompt targets them in a group."""
    return "@" + html.escape(user.username) if user.username else user.mention_html()


def _excerpt(comment: str) -> str:
    short = comment if len(comment) <= CARD_COMMENT_CHARS else \
        comment[:CARD_COMMENT_CHARS] + "…"
    return texts.SUBMISSION_CARD_COMMENT.format(comment=html.escape(short))


def _same(submission: Row, status: str, comment: str | None, by: int,
          score: int | None = None) -> bool:
    """The submission is already in exactly this state by this admin: a retried update, or the
    same grade sent twice; nothing to change, nothing to confirm."""
    return (submission["status"], submission["comment"], submission["graded_by"]) == (
        status, comment, by) and (score is None or submission["grade"] == score)


def _leave_steps_of(context: BotContext, submission_id: int) -> None:
    """Done with a submission by a command: drop a pending prompt about that same one."""
    flow = context.flow
    if flow.step in (STEP_SCORE, STEP_REGRADE, STEP_REVISION) and \
            flow.data.get("submission_id") == submission_id:
        flow.clear()


# --- the changes, each in one transaction with its messages ---------------------------------
async def _record_grade(update: Update, context: BotContext, submission: Row, score: int,
                        comment: str | None, *, replace: bool) -> Row | None:
    """Grade, tell the student, show it on the card; None when graded meanwhile (and not
    ``replace``) or gone."""
    services = context.services
    storage = services.storage
    admin = update.effective_user
    student = await storage.avap.find_student(telegram_id=submission["telegram_id"])
    async with storage.db.write() as conn:
        row = await storage.avap.record_grade(submission["id"], score, comment, admin.id,
                                              replace=replace, conn=conn)
        if row is None:
            return None
        template = texts.REGRADED_STUDENT if submission["status"] == "graded" else \
            texts.GRADED_STUDENT
        message = template.format(module=html.escape(row["module"]), id=row["id"], score=score)
        if comment:
            message += texts.GRADE_COMMENT_STUDENT.format(comment=html.escape(comment))
        await send_later(services, BOT, row["telegram_id"], message, conn=conn)
        if row["card_chat_id"] is not None:
            card = card_text(row, student) + texts.SUBMISSION_CARD_GRADED.format(
                score=score, admin=admin_label(admin)) + (_excerpt(comment) if comment else "")
            await edit_later(services, BOT, row["card_chat_id"], row["card_message_id"], card,
                             reply_markup=keyboards.submission_card(row["id"], graded=True),
                             conn=conn)
    return row


async def _record_revision(update: Update, context: BotContext, submission: Row,
                           comment: str) -> Row | None:
    """Ask for a revision, tell the student (with a Resubmit button), show it on the card; None
    when asked already or gone."""
    services = context.services
    storage = services.storage
    admin = update.effective_user
    student = await storage.avap.find_student(telegram_id=submission["telegram_id"])
    # first, so that nothing can leave the student blocked: a cooldown lifted for nothing is
    # harmless, a resubmission refused after "please resubmit" is not
    await storage.cooldowns.clear(cooldown_key(submission["telegram_id"], submission["module"]))
    modules = services.settings.avap_modules
    module = submission["module"]
    markup = keyboards.resubmit(modules.index(module), module) if module in modules else None
    async with storage.db.write() as conn:
        row = await storage.avap.record_revision(submission["id"], comment, admin.id, conn=conn)
        if row is None:
            return None
        await send_later(services, BOT, row["telegram_id"], texts.REVISION_STUDENT.format(
            module=html.escape(module), id=row["id"], comment=html.escape(comment)),
            reply_markup=markup, conn=conn)
        if row["card_chat_id"] is not None:
            card = card_text(row, student) + texts.SUBMISSION_CARD_REVISION.format(
                admin=admin_label(admin)) + _excerpt(comment)
            await edit_later(services, BOT, row["card_chat_id"], row["card_message_id"], card,
                             conn=conn)
    return row


async def _grade_or_ask(update: Update, context: BotContext, submission: Row, score: int,
                        comment: str | None) -> None:
    """Grade a submission not graded yet; a graded one needs a confirmation to replace it."""
    message = update.effective_message
    submission_id = submission["id"]
    if _same(submission, "graded", comment, update.effective_user.id, score):
        _leave_steps_of(context, submission_id)
        await message.reply_text(texts.GRADE_DONE.format(id=submission_id, score=score))
        return
    if submission["status"] != "graded":
        row = await _record_grade(update, context, submission, score, comment, replace=False)
        if row is not None:
            _leave_steps_of(context, submission["id"])
            await message.reply_text(texts.GRADE_DONE.format(id=row["id"], score=score))
            return
        # graded by someone else a moment ago: the same question as for any second grade
        submission = await context.services.storage.avap.get_submission(submission_id)
        if submission is None:
            await message.reply_text(texts.GRADE_NOT_FOUND.format(id=submission_id))
            return
    context.flow.clear()
    context.flow.goto(STEP_REGRADE, submission_id=submission["id"], score=score, comment=comment)
    old = submission["grade"]
    await message.reply_text(
        texts.REGRADE_ASK.format(id=submission["id"], old=old, score=score),
        reply_markup=keyboards.confirm_regrade(submission["id"], old))


async def _grade_from_text(update: Update, context: BotContext, submission: Row,
                           text: str) -> None:
    parsed = _parse_grade(text)
    if isinstance(parsed, str):
        await update.effective_message.reply_text(parsed)
        return
    await _grade_or_ask(update, context, submission, *parsed)


# --- admins' commands and buttons ---------------------------------------------------------------
@admin_only
async def grade_command(update: Update, context: BotContext) -> None:
    """/grade <score> [comment] in reply to a card, or /grade <#> <score> [comment] anywhere."""
    message = update.effective_message
    rest = _after_command(message.text)
    avap = context.services.storage.avap
    reply = message.reply_to_message
    if reply is not None:
        submission = await avap.by_card("submission", message.chat_id, reply.message_id)
        if submission is not None:
            await _grade_from_text(update, context, submission, rest)
            return
    parts = rest.split(maxsplit=1)
    number = NUMBER.fullmatch(parts[0]) if parts else None
    if number is not None and len(parts) == 2 and SCORE_LIKE.fullmatch(parts[1].split()[0]):
        submission = await avap.get_submission(int(number.group(1)))
        if submission is None:
            await message.reply_text(texts.GRADE_NOT_FOUND.format(id=number.group(1)))
            return
        await _grade_from_text(update, context, submission, parts[1])
        return
    await message.reply_text(texts.GRADE_NOT_A_CARD if reply is not None else texts.GRADE_USAGE)


async def _card_submission(update: Update, context: BotContext,
                           data: cb.Grade | cb.Revision) -> Row:
    """The submission of a card's button (refused when it is gone)."""
    submission = await context.services.storage.avap.get_submission(data.submission_id)
    if submission is None:
        raise Refused(texts.GRADE_NOT_FOUND.format(id=data.submission_id))
    return submission


@admin_only
@on_button(cb.Grade, _card_submission)
async def grade_button(update: Update, context: BotContext, data: cb.Grade,
                       submission: Row) -> None:
    """Grade on a card: ask this admin, in this chat, for the score and a comment."""
    context.flow.clear()
    context.flow.goto(STEP_SCORE, submission_id=submission["id"])
    text = texts.GRADE_ASK.format(admin=_mention(update.effective_user), id=submission["id"])
    if submission["status"] == "graded":
        text += texts.GRADE_ASK_GRADED.format(score=submission["grade"])
    await context.bot.send_message(update.effective_chat.id, text,
                                   reply_markup=ForceReply(selective=True))
    await answer(update.callback_query)


@admin_only
async def score_received(update: Update, context: BotContext) -> None:
    """The admin's answer to the Grade prompt: "8 Great work"."""
    submission_id = context.flow.data.get("submission_id")
    parsed = _parse_grade(update.effective_message.text or "")
    if isinstance(parsed, str):  # the step stays: the admin tries again or sends /cancel
        await update.effective_message.reply_text(parsed)
        return
    submission = await context.services.storage.avap.get_submission(submission_id)
    if submission is None:
        context.flow.clear()
        await update.effective_message.reply_text(texts.GRADE_NOT_FOUND.format(id=submission_id))
        return
    await _grade_or_ask(update, context, submission, *parsed)


@admin_only
@on_button(cb.ConfirmRegrade)
async def confirm_regrade(update: Update, context: BotContext, choice: cb.ConfirmRegrade) -> None:
    """Replace the first grade with the pending one, or keep it."""
    query = update.callback_query
    flow = context.flow
    if flow.step != STEP_REGRADE or flow.data.get("submission_id") != choice.submission_id:
        raise Refused(texts.STALE_BUTTON, alert=False)
    score, comment = flow.data["score"], flow.data.get("comment")
    flow.clear()
    submission = await context.services.storage.avap.get_submission(choice.submission_id)
    row = None
    if submission is not None and choice.yes:
        row = await _record_grade(update, context, submission, score, comment, replace=True)
    if submission is None or (choice.yes and row is None):
        await show(query, texts.GRADE_NOT_FOUND.format(id=choice.submission_id))
    elif not choice.yes:
        await show(query, texts.REGRADE_KEPT.format(id=submission["id"], old=submission["grade"]))
    elif submission["status"] == "graded":
        await show(query, texts.REGRADE_DONE.format(id=submission["id"], score=score,
                                                    old=submission["grade"]))
    else:
        await show(query, texts.GRADE_DONE.format(id=submission["id"], score=score))
    await answer(query)


@admin_only
@on_button(cb.Revision, _card_submission)
async def revision_button(update: Update, context: BotContext, data: cb.Revision,
                          submission: Row) -> None:
    """Request revision on a card: ask this admin, in this chat, what to change."""
    if submission["status"] == "revision":
        raise Refused(texts.REVISION_ALREADY.format(id=submission["id"]))
    context.flow.clear()
    context.flow.goto(STEP_REVISION, submission_id=submission["id"])
    await context.bot.send_message(
        update.effective_chat.id,
        texts.REVISION_ASK.format(admin=_mention(update.effective_user), id=submission["id"]),
        reply_markup=ForceReply(selective=True))
    await answer(update.callback_query)


@admin_only
async def revision_comment_received(update: Update, context: BotContext) -> None:
    """The admin's comment for a revision: the student is told and may resubmit at once."""
    message = update.effective_message
    comment = (message.text or "").strip()
    if not comment:
        await message.reply_text(texts.REVISION_NEED_TEXT)
        return
    submission_id = context.flow.data.get("submission_id")
    context.flow.clear()
    submission = await context.services.storage.avap.get_submission(submission_id)
    if submission is None:
        await message.reply_text(texts.GRADE_NOT_FOUND.format(id=submission_id))
        return
    row = submission if _same(submission, "revision", comment, update.effective_user.id) \
        else await _record_revision(update, context, submission, comment)
    if row is None:
        await message.reply_text(texts.REVISION_ALREADY.format(id=submission_id))
        return
    await message.reply_text(texts.REVISION_DONE.format(id=row["id"],
                                                        module=html.escape(row["module"])))


async def need_text(update: Update, context: BotContext) -> None:
    """Not text while a score or a revision comment is awaited: say what is expected."""
    step = context.flow.step
    await update.effective_message.reply_text(
        texts.GRADE_NEED_TEXT if step == STEP_SCORE else texts.REVISION_NEED_TEXT)


async def cancel_step(update: Update, context: BotContext) -> None:
    """/cancel in a group while a grade or a revision comment is awaited (private chats have
    the general /cancel)."""
    context.flow.clear()
    await update.effective_message.reply_text(texts.CANCELLED)


@admin_only
async def ungraded(update: Update, context: BotContext) -> None:
    """/ungraded: submissions waiting for a grade, oldest first, with their age."""
    rows = await context.services.storage.avap.ungraded(limit=UNGRADED_LIMIT + 1)
    if not rows:
        await update.effective_message.reply_text(texts.UNGRADED_NONE)
        return
    now = utcnow()
    lines = [texts.UNGRADED_HEAD]
    for r in rows[:UNGRADED_LIMIT]:
        lines.append(texts.UNGRADED_ROW.format(
            id=r["id"], student=html.escape(r["name"] or str(r["telegram_id"])),
            module=html.escape(r["module"]), attempt=r["attempt"],
            label=keyboards.KINDS.get(r["type"], r["type"]),
            age=texts.age((now - r["created_at"]).total_seconds())))
    if len(rows) > UNGRADED_LIMIT:
        lines.append(texts.UNGRADED_MORE.format(n=UNGRADED_LIMIT))
    lines.append(texts.UNGRADED_FOOT)
    await update.effective_message.reply_text("\n".join(lines))


PROMPTED = in_step(STEP_SCORE, STEP_REVISION)
STEP_TEXT = ADMIN_STEP & filters.TEXT & ~filters.COMMAND

HANDLERS = [
    CommandHandler("grade", grade_command, filters=NEW),
    CommandHandler("ungraded", ungraded, filters=NEW),
    CommandHandler("cancel", cancel_step, filters=NEW & ~PRIVATE
                   & in_step(STEP_SCORE, STEP_REVISION, STEP_REGRADE)),
    *button_handlers(grade_button, revision_button, confirm_regrade),
    MessageHandler(STEP_TEXT & in_step(STEP_SCORE), score_received),
    MessageHandler(STEP_TEXT & in_step(STEP_REVISION), revision_comment_received),
    MessageHandler(NEW & ~filters.TEXT & ~filters.StatusUpdate.ALL & PROMPTED, need_text),
]
