"""My progress: for each module of the course, the state of the latest submission; and the
questions asked and answered."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import MessageHandler

from avap_bot import keyboards, texts
from avap_bot.access import student_only
from avap_bot.filters import menu_button
from shared.flows import BotContext

COMMENT_CHARS = 80



def _state(submission: dict | None) -> str:
    """One module's line: not submitted, waiting, graded with the score, or revision asked."""
    if submission is None:
        return texts.PROGRESS_NOT_SUBMITTED
    status = submission["status"]
    if status == "graded":
        state = texts.PROGRESS_GRADED.format(score=submission["grade"])
    elif status == "revision":
        state = texts.PROGRESS_REVISION
        comment = (submission.get("comment") or "").strip()
        if comment:
            if len(comment) > COMMENT_CHARS:
                comment = comment[:COMMENT_CHARS - 1] + "…"
            state += texts.PROGRESS_REVISION_COMMENT.format(comment=html.escape(comment))
    else:
        state = texts.PROGRESS_WAITING
    if (submission.get("attempt") or 1) > 1:
        state += texts.PROGRESS_ATTEMPT.format(n=submission["attempt"])
    return state


def _questions_line(questions: list[dict]) -> str:
    answered = sum(1 for q in questions if q["answered"])
    line = texts.PROGRESS_QUESTIONS.format(asked=len(questions), answered=answered)
    if len(questions) > answered:
        line += texts.PROGRESS_QUESTIONS_OPEN.format(open=len(questions) - answered)
    return line


@student_only
async def progress(update: Update, context: BotContext) -> None:
    """Main menu "My progress": each module's latest submission, and the questions."""
    context.flow.clear()  # a main menu button leaves whatever step the student was on
    user_id = update.effective_user.id
    avap = context.services.storage.avap
    modules = context.services.settings.avap_modules
    latest: dict[str, dict] = {}
    for submission in await avap.submissions_of(user_id):  # oldest first: the last one wins
        latest[submission["module"]] = submission
    lines = [texts.PROGRESS_HEAD]
    lines += [texts.PROGRESS_MODULE.format(module=html.escape(m), state=_state(latest.get(m)))
              for m in modules]
    lines.append(texts.PROGRESS_MODULES_DONE.format(
        done=sum(1 for m in modules if m in latest), total=len(modules)))
    lines.append(_questions_line(await avap.questions_of(user_id)))
    await update.effective_message.reply_text("\n".join(lines),
                                              reply_markup=keyboards.main_menu())


HANDLERS = [
    MessageHandler(menu_button(texts.MENU_PROGRESS), progress),
]
