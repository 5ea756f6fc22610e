"""Scheduling a post: an inline calendar (month navigation, past days blank), then the hours,
then the minutes in steps of 5 (or the time typed as HH:MM), always in CHANNEL_TIMEZONE and
shown with it; a time in the past is refused. Also "back to drafts" (``Unschedule``) and
/scheduler: the publisher's state (next posts, failed and missed ones) with a "clean up" button.

The calendar buttons carry the post and the day, so they work from any message; the flow only
remembers the post (``schedule.day``) and the picked day (``schedule.time``) for a typed time.
"""

from __future__ import annotations

import html
import logging
from datetime import UTC
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from shared.flows import BotContext, in_step
from shopping_bot import calendar, keyboards, publisher, texts
from shopping_bot import callbacks as cb
from shopping_bot.filters import PRIVATE, TYPED
from shopping_bot.storage.posts import DRAFT, FAILED, MISSED, SCHEDULED

log = logging.getLogger(__name__)

STEP_DAY = "schedule.day"
STEP_TIME = "schedule.time"
SCHEDULABLE = (DRAFT, SCHEDULED, FAILED, MISSED)
SCHEDULER_NEXT = 5
SCHEDULER_PROBLEMS = 10


def _status(post: dict[str, Any]) -> str:
    return texts.STATUS.get(post["status"], post["status"])


async def _schedulable(update: Update, context: BotContext, post_id: int,
                       valid: bool = True) -> dict | None:
    """The post, when the button's values are ``valid`` and the post may be (re)scheduled; the
    button is answered: with nothing when so, otherwise with why not."""
    query = update.callback_query
    if not valid:
        await query.answer(texts.STALE_BUTTON, show_alert=True)
        return None
    post = await context.services.storage.shopping.get_post(post_id)
    if post is None:
        await query.answer(texts.POST_NOT_FOUND, show_alert=True)
        return None
    if post["status"] not in SCHEDULABLE:
        await query.answer(texts.SCHEDULE_NOT_ALLOWED.format(status=_status(post)),
                           show_alert=True)
        return None
    await query.answer()
    return post


def _common(context: BotContext, post: dict[str, Any]) -> dict[str, str]:
    settings = context.services.settings
    now = calendar.local_now(settings)
    return {"title": publisher.title_of(post), "tz": settings.channel_timezone,
            "now": now.strftime("%d.%m.%Y %H:%M")}


# --- the calendar ------------------------------------------------------------------------------
async def open_calendar(update: Update, context: BotContext) -> None:
    """``SchedulePost``: the calendar of the current month, in a new message."""
    query = update.callback_query
    data = cb.SchedulePost.parse(query.data)
    post = await _schedulable(update, context, data.post_id)
    if post is None:
        return
    now = calendar.local_now(context.services.settings)
    context.flow.clear()
    context.flow.goto(STEP_DAY, post_id=data.post_id)
    await context.bot.send_message(
        update.effective_chat.id, texts.SCHEDULE_PICK_DAY.format(**_common(context, post)),
        reply_markup=calendar.month_keyboard(data.post_id, now.year, now.month, now))


async def show_month(update: Update, context: BotContext) -> None:
    """``ScheduleMonth``: page the calendar to another month."""
    query = update.callback_query
    data = cb.ScheduleMonth.parse(query.data)
    month = calendar.parse_month(data.month)
    post = await _schedulable(update, context, data.post_id, valid=month is not None)
    if post is None or month is None:
        return
    now = calendar.local_now(context.services.settings)
    context.flow.goto(STEP_DAY, post_id=data.post_id)
    await query.edit_message_text(texts.SCHEDULE_PICK_DAY.format(**_common(context, post)),
                                  reply_markup=calendar.month_keyboard(data.post_id, *month, now))


async def pick_day(update: Update, context: BotContext) -> None:
    """``ScheduleDay``: a day picked; show its hours (a typed HH:MM is accepted from now on)."""
    query = update.callback_query
    data = cb.ScheduleDay.parse(query.data)
    day = calendar.parse_day(data.day)
    now = calendar.local_now(context.services.settings)
    if day is not None and day < now.date():
        await query.answer(texts.SCHEDULE_PAST_DAY, show_alert=True)
        return
    post = await _schedulable(update, context, data.post_id, valid=day is not None)
    if post is None or day is None:
        return
    context.flow.goto(STEP_TIME, post_id=data.post_id, day=data.day)
    await query.edit_message_text(
        texts.SCHEDULE_PICK_HOUR.format(date=calendar.format_day(day), **_common(context, post)),
        reply_markup=calendar.hours_keyboard(data.post_id, day, now))


async def pick_hour(update: Update, context: BotContext) -> None:
    """``ScheduleHour``: an hour picked; show its minutes in steps of 5."""
    query = update.callback_query
    data = cb.ScheduleHour.parse(query.data)
    day = calendar.parse_day(data.day)
    post = await _schedulable(update, context, data.post_id,
                              valid=day is not None and 0 <= data.hour <= 23)
    if post is None or day is None:
        return
    now = calendar.local_now(context.services.settings)
    context.flow.goto(STEP_TIME, post_id=data.post_id, day=data.day)
    await query.edit_message_text(
        texts.SCHEDULE_PICK_MINUTE.format(date=calendar.format_day(day), hour=f"{data.hour:02d}",
                                          **_common(context, post)),
        reply_markup=calendar.minutes_keyboard(data.post_id, day, data.hour, now))


async def pick_time(update: Update, context: BotContext) -> None:
    """``ScheduleAt``: the time picked from the buttons; schedule the post."""
    query = update.callback_query
    data = cb.ScheduleAt.parse(query.data)
    parsed = calendar.parse_at(data.at)
    post = await _schedulable(update, context, data.post_id, valid=parsed is not None)
    if post is None or parsed is None:
        return
    await _schedule(update, context, post, *parsed)


async def noop(update: Update, context: BotContext) -> None:
    """A blank calendar cell (a past day, a weekday name): nothing to do."""
    await update.callback_query.answer()


async def time_typed(update: Update, context: BotContext) -> None:
    """``schedule.time``: the time typed as HH:MM for the picked day."""
    clock = calendar.parse_clock(update.effective_message.text or "")
    if clock is None:
        await update.effective_message.reply_text(texts.SCHEDULE_BAD_TIME)
        return
    post_id = int(context.flow.data.get("post_id", 0))
    day = calendar.parse_day(str(context.flow.data.get("day", "")))
    post = await context.services.storage.shopping.get_post(post_id)
    if post is None or day is None:
        context.flow.clear()
        await update.effective_message.reply_text(texts.POST_NOT_FOUND)
        return
    if post["status"] not in SCHEDULABLE:
        context.flow.clear()
        await update.effective_message.reply_text(
            texts.SCHEDULE_NOT_ALLOWED.format(status=_status(post)))
        return
    await _schedule(update, context, post, day, clock)


async def wrong_time(update: Update, context: BotContext) -> None:
    """``schedule.time``: not a text (a photo, a sticker...): ask for HH:MM again."""
    await update.effective_message.reply_text(texts.SCHEDULE_BAD_TIME)


async def wrong_day(update: Update, context: BotContext) -> None:
    """``schedule.day``: anything typed before a day was picked."""
    await update.effective_message.reply_text(texts.SCHEDULE_PICK_DAY_FIRST)


async def _schedule(update: Update, context: BotContext, post: dict[str, Any], day: Any,
                    clock: Any) -> None:
    """Schedule ``post`` at ``day`` ``clock`` (local): refused when that is not in the future."""
    settings = context.services.settings
    repo = context.services.storage.shopping
    tz = calendar.zone(settings)
    moment = calendar.at(day, clock, tz)
    now = calendar.local_now(settings)
    chat_id = update.effective_chat.id
    if not calendar.is_future(moment, now):
        context.flow.goto(STEP_TIME, post_id=int(post["id"]), day=calendar.day_code(now.date()))
        await context.bot.send_message(chat_id, texts.SCHEDULE_PAST.format(
            when=moment.strftime("%d.%m.%Y %H:%M"), now=now.strftime("%d.%m.%Y %H:%M"),
            tz=settings.channel_timezone),
            reply_markup=calendar.hours_keyboard(int(post["id"]), now.date(), now))
        return
    user_id = update.effective_user.id
    if not await repo.schedule_post(int(post["id"]), moment.astimezone(UTC), user_id=user_id):
        context.flow.clear()
        fresh = await repo.get_post(int(post["id"]))
        await context.bot.send_message(chat_id, texts.POST_NOT_FOUND if fresh is None else
                                       texts.SCHEDULE_NOT_ALLOWED.format(status=_status(fresh)))
        return
    context.flow.clear()
    fresh = await repo.get_post(int(post["id"])) or post
    log.info("post scheduled", extra={"post_id": post["id"], "by": user_id})
    await context.bot.send_message(chat_id, texts.SCHEDULE_DONE.format(
        title=publisher.title_of(fresh), when=moment.strftime("%d.%m.%Y %H:%M"),
        tz=settings.channel_timezone), reply_markup=keyboards.post_actions(fresh))


# --- back to drafts ----------------------------------------------------------------------------
async def unschedule(update: Update, context: BotContext) -> None:
    """``Unschedule``: a scheduled, failed or missed post goes back to the drafts."""
    query = update.callback_query
    data = cb.Unschedule.parse(query.data)
    repo = context.services.storage.shopping
    post = await repo.get_post(data.post_id)
    if post is None:
        await query.answer(texts.POST_NOT_FOUND, show_alert=True)
        return
    if post["status"] not in (SCHEDULED, FAILED, MISSED) or not await repo.unschedule_post(
            data.post_id, user_id=update.effective_user.id):
        fresh = await repo.get_post(data.post_id) or post
        await query.answer(texts.UNSCHEDULE_NOT_ALLOWED.format(status=_status(fresh)),
                           show_alert=True)
        return
    await query.answer()
    fresh = await repo.get_post(data.post_id) or post
    await context.bot.send_message(update.effective_chat.id,
                                   texts.UNSCHEDULED.format(title=publisher.title_of(fresh)),
                                   reply_markup=keyboards.post_actions(fresh))


# --- /scheduler --------------------------------------------------------------------------------
async def _scheduler_view(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    settings = context.services.settings
    repo = context.services.storage.shopping
    counts = await repo.count_by_status()
    now = calendar.local_now(settings)
    lines = [texts.SCHEDULER_HEAD.format(
        tz=settings.channel_timezone, now=now.strftime("%d.%m.%Y %H:%M"),
        every=settings.publish_check_seconds,
        grace=publisher.duration(settings.missed_post_grace),
        attempts=settings.publish_attempts)]
    if counts:
        lines.append(texts.SCHEDULER_COUNTS.format(counts=", ".join(
            f"{texts.STATUS.get(s, s)} {n}" for s, n in sorted(counts.items()))))
    upcoming = await repo.list_posts([SCHEDULED], limit=SCHEDULER_NEXT)
    if upcoming:
        lines.append(texts.SCHEDULER_NEXT)
        for post in upcoming:
            retry = ""
            if post.get("retry_at"):
                retry = texts.SCHEDULER_RETRYING.format(
                    attempts=post["attempts"], at=calendar.format_local(post["retry_at"],
                                                                        settings))
            lines.append(texts.SCHEDULER_NEXT_ROW.format(
                when=calendar.format_local(post["publish_at"], settings),
                title=publisher.title_of(post), retry=retry))
    else:
        lines.append(texts.SCHEDULER_NEXT_NONE)
    rows: list[list[InlineKeyboardButton]] = []
    n = 0
    for status, head in ((FAILED, texts.SCHEDULER_FAILED), (MISSED, texts.SCHEDULER_MISSED)):
        problems = await repo.list_posts([status], limit=SCHEDULER_PROBLEMS, order="updated")
        if not problems:
            continue
        lines.append(head)
        for post in problems:
            n += 1
            reason = texts.POST_CARD_ERROR.format(reason=html.escape(post["last_error"])) \
                if post.get("last_error") else ""
            lines.append(texts.SCHEDULER_PROBLEM_ROW.format(
                n=n, title=publisher.title_of(post),
                when=calendar.format_local(post["publish_at"], settings), reason=reason))
            rows.append([InlineKeyboardButton(
                texts.BTN_PROBLEM.format(n=n, title=publisher.title_of(post)),
                callback_data=cb.ManagePost(int(post["id"])).pack())])
    if not n:
        lines.append(texts.SCHEDULER_ALL_GOOD)
    if counts.get(FAILED):
        rows.append([InlineKeyboardButton(texts.BTN_CLEANUP,
                                          callback_data=cb.SchedulerCleanup().pack())])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def scheduler_state(update: Update, context: BotContext) -> None:
    """/scheduler: next posts, failed and missed ones, and the clean-up button."""
    context.flow.clear()
    text, markup = await _scheduler_view(context)
    await update.effective_message.reply_text(text, reply_markup=markup,
                                              disable_web_page_preview=True)


async def cleanup(update: Update, context: BotContext) -> None:
    """``SchedulerCleanup``: failed posts go back to the drafts; the view is refreshed."""
    query = update.callback_query
    moved = await context.services.storage.shopping.cleanup_failed(
        user_id=update.effective_user.id)
    await query.answer(texts.CLEANED.format(n=moved) if moved else texts.CLEANED_NONE,
                       show_alert=True)
    text, markup = await _scheduler_view(context)
    await query.edit_message_text(text, reply_markup=markup, disable_web_page_preview=True)


HANDLERS = [
    CallbackQueryHandler(open_calendar, pattern=cb.SchedulePost.pattern()),
    CallbackQueryHandler(show_month, pattern=cb.ScheduleMonth.pattern()),
    CallbackQueryHandler(pick_day, pattern=cb.ScheduleDay.pattern()),
    CallbackQueryHandler(pick_hour, pattern=cb.ScheduleHour.pattern()),
    CallbackQueryHandler(pick_time, pattern=cb.ScheduleAt.pattern()),
    CallbackQueryHandler(noop, pattern=cb.ScheduleNoop.pattern()),
    CallbackQueryHandler(unschedule, pattern=cb.Unschedule.pattern()),
    CallbackQueryHandler(cleanup, pattern=cb.SchedulerCleanup.pattern()),
    CommandHandler("scheduler", scheduler_state, filters=PRIVATE),
    MessageHandler(TYPED & filters.TEXT & in_step(STEP_TIME), time_typed),
    MessageHandler(TYPED & in_step(STEP_TIME), wrong_time),
    MessageHandler(TYPED & in_step(STEP_DAY), wrong_day),
]

__all__ = ["HANDLERS", "STEP_DAY", "STEP_TIME"]
