"""The admins' desk: /stats (numbers of the course) and /student (one student's history)."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CommandHandler

from avap_bot import texts
from avap_bot.access import admin_only
from avap_bot.filters import NEW
from avap_bot.validators import normalise_email
from shared.flows import BotContext
from shared.storage import utcnow

ACTIVE_DAYS = 7
MAX_LISTED = 15  # newest submissions / questions shown by /student
SNIPPET = 60


def _score(value: float | None) -> str:
    return texts.STATS_NONE if value is None else f"{float(value):.1f}"


@admin_only
async def stats(update: Update, context: BotContext) -> None:
    """/stats: students, submissions (per module), questions, wins, active students."""
    numbers = await context.services.storage.avap.stats(
        since=utcnow() - timedelta(days=ACTIVE_DAYS))
    sub, q = numbers["submissions"], numbers["questions"]
    lines = [texts.STATS.format(verified=numbers["verified"], pending=numbers["pending"],
                                active=numbers["active_7d"], total=sub["total"],
                                waiting=sub["waiting"], graded=sub["graded"],
                                revision=sub["revision"])]
    for m in numbers["per_module"]:
        lines.append(texts.STATS_MODULE.format(module=html.escape(str(m["module"])), n=m["n"],
                                               avg=_score(m["avg"])))
    median = q["median_answer_s"]
    lines.append(texts.STATS_QUESTIONS.format(
        open=q["open"], answered=q["answered"],
        median=texts.STATS_NONE if median is None else texts.age(median)))
    lines.append(_copilot_line(await context.services.storage.copilot.stats()))
    lines.append(texts.STATS_WINS.format(wins=numbers["wins"]))
    if pool := await context.services.storage.engagement.pool_size():
        lines.append(texts.STATS_POOL.format(n=pool))
    await update.effective_message.reply_text("\n".join(lines))


def _copilot_line(found: dict) -> str:
    """Suggestions posted and what became of them; answer times with and without one."""
    statuses = found["statuses"]
    posted = sum(statuses.get(k, 0) for k in ("ready", "sent", "edited", "dismissed",
                                               "superseded"))
    age = [texts.STATS_NONE if v is None else texts.age(v)
           for v in (found["median_with_s"], found["median_without_s"])]
    return texts.STATS_COPILOT.format(posted=posted, sent=statuses.get("sent", 0),
                                      edited=statuses.get("edited", 0),
                                      dismissed=statuses.get("dismissed", 0),
                                      with_s=age[0], without_s=age[1])


def _date(context: BotContext, value: datetime | None) -> str:
    if value is None:
        return texts.STATS_NONE
    zone = ZoneInfo(context.services.settings.avap_timezone)
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _snippet(text: str | None) -> str:
    text = " ".join((text or "").split())
    if not text:
        return texts.STATS_NONE
    return html.escape(text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "…")


def _newest(rows: list[dict], lines: list[str]) -> list[dict]:
    """The newest MAX_LISTED rows (oldest first); a line says how many older ones are left."""
    if len(rows) <= MAX_LISTED:
        return rows
    lines.append(texts.STUDENT_MORE.format(more=len(rows) - MAX_LISTED))
    return rows[-MAX_LISTED:]


async def named_student(update: Update, context: BotContext, usage: str, not_found: str,
                        verified: bool = False) -> dict | None:
    """The student an admin's command names by Telegram id or email (only a ``verified`` one
    when asked), or None: the admin was shown the ``usage`` or told ``not_found``."""
    args = context.args or []
    if len(args) != 1:
        await update.effective_message.reply_text(usage)
        return None
    avap = context.services.storage.avap
    target = args[0].strip()
    if target.isdigit():
        found = await avap.find_student(telegram_id=int(target))
    else:
        email = normalise_email(target)
        found = await avap.find_student(email=email) if email else None
    if found is None or (verified and found["status"] != "verified"):
        await update.effective_message.reply_text(not_found)
        return None
    return found


@admin_only
async def student(update: Update, context: BotContext) -> None:
    """/student <telegram id | email>: details, submissions with states and scores, questions."""
    found = await named_student(update, context, texts.STUDENT_USAGE, texts.STUDENT_NOT_FOUND)
    if found is None:
        return
    avap = context.services.storage.avap
    tg_id = found["telegram_id"]
    last = found["last_active_at"]
    lines = [texts.STUDENT_CARD.format(
        name=html.escape(found["name"]),
        username="@" + html.escape(found["username"]) if found["username"] else "",
        tg_id=tg_id, email=html.escape(found["email"] or texts.STATS_NONE),
        phone=html.escape(found["phone"] or texts.STATS_NONE),
        status=texts.STUDENT_STATUS.get(found["status"], html.escape(found["status"])),
        since=_date(context, found["created_at"]),
        last_active=texts.STATS_NONE if last is None else
        texts.AGO.format(age=texts.age((utcnow() - last).total_seconds())))]

    submissions = await avap.submissions_of(tg_id)
    lines.append(texts.STUDENT_SUBMISSIONS.format(n=len(submissions)))
    if not submissions:
        lines.append(texts.STUDENT_NONE)
    for s in _newest(submissions, lines):
        state = texts.SUBMISSION_STATES.get(s["status"], html.escape(s["status"]))
        lines.append(texts.STUDENT_SUBMISSION.format(
            id=s["id"], module=html.escape(s["module"]), kind=html.escape(s["type"]),
            attempt=s["attempt"], state=state.format(grade=s["grade"]),
            date=_date(context, s["created_at"])))

    questions = await avap.questions_of(tg_id)
    lines.append(texts.STUDENT_QUESTIONS.format(n=len(questions)))
    if not questions:
        lines.append(texts.STUDENT_NONE)
    for q in _newest(questions, lines):
        if q["answered"] and q["answered_at"] is not None:
            state = texts.QUESTION_STATES["answered"].format(
                age=texts.age((q["answered_at"] - q["created_at"]).total_seconds()))
        else:
            state = texts.QUESTION_STATES["open"]
        lines.append(texts.STUDENT_QUESTION.format(
            id=q["id"], state=state, date=_date(context, q["created_at"]),
            snippet=_snippet(q["content"]) if q["content"] else html.escape(q["type"])))
    await update.effective_message.reply_text("\n".join(lines))



HANDLERS = [
    CommandHandler("stats", stats, filters=NEW),
    CommandHandler("student", student, filters=NEW),
]
