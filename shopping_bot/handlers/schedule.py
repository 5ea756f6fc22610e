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
from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext, in_step
from shopping_bot import calendar, keyboards, publisher, texts
from shopping_bot import callbacks as cb
from shopping_bot.filters import PRIVATE, TYPED
from shopping_bot.handlers.post_buttons import Row, button_post, status_of
from shopping_bot.storage.status import PostStatus

log = logging.getLogger(__name__)

STEP_DAY = "schedule.day"
STEP_TIME = "schedule.time"
SCHEDULABLE = (PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.FAILED, PostStatus.MISSED)
SCHEDULER_NEXT = 5
SCHEDULER_PROBLEMS = 10


def _stale_values(data: cb.CallbackData, now: datetime) -> str | None:
    """Why the values a calendar button carries cannot be used, or None: they do not parse (a
    forged button: stale), or the day picked is already past."""
    match data:
        case cb.ScheduleMonth(month=month) if calendar.parse_month(month) is None:
            return texts.STALE_BUTTON
        case cb.ScheduleDay(day=day):
            parsed = calendar.parse_day(day)
            if parsed is None:
                return texts.STALE_BUTTON
            if parsed < now.date():
                return texts.SCHEDULE_PAST_DAY
        case cb.ScheduleHour(day=day, hour=hour) if calendar.parse_day(day) is None or \
                not 0 <= hour <= 23:
            return texts.STALE_BUTTON
        case cb.ScheduleAt(at=at) if calendar.parse_at(at) is None:
            return texts.STALE_BUTTON
    return None


async def _schedulable(update: Update, context: BotContext, data: Any) -> Row:
    """The post of a calendar button, when the button's values can be used and the post may
    be (re)scheduled; the button is answered. Refused otherwise, with why."""
    stale = _stale_values(data, calendar.local_now(context.services.settings))
    if stale is not None:
        raise Refused(stale)
    post = await button_post(update, context, data)
    if post["status"] not in SCHEDULABLE:
        raise Refused(texts.SCHEDULE_NOT_ALLOWED.format(status=status_of(post)))
    await update.callback_query.answer()
    return post


def _common(context: BotContext, post: Row) -> dict[str, str]:
    settings = context.services.settings
    now = calendar.local_now(settings)
    return {"title": publisher.title_of(post), "tz": settings.channel_timezone,
            "now": now.strftime("%d.%m.%Y %H:%M")}


# --- the calendar ------------------------------------------------------------------------------
@on_button(cb.SchedulePost, _schedulable)
async def open_calendar(update: Update, context: BotContext, data: cb.SchedulePost,
                        post: Row) -> None:
    """``SchedulePost``: the calendar of the current month, in a new message."""
    now = calendar.local_now(context.services.settings)
    context.flow.clear()
    context.flow.goto(STEP_DAY, post_id=data.post_id)
    await context.bot.send_message(
        update.effective_chat.id, texts.SCHEDULE_PICK_DAY.format(**_common(context, post)),
        reply_markup=calendar.month_keyboard(data.post_id, now.year, now.month, now))


@on_button(cb.ScheduleMonth, _schedulable)
async def show_month(update: Update, context: BotContext, data: cb.ScheduleMonth,
                     post: Row) -> None:
    """``ScheduleMonth``: page the calendar to another month."""
    now = calendar.local_now(context.services.settings)
    context.flow.goto(STEP_DAY, post_id=data.post_id)
    await update.callback_query.edit_message_text(
        texts.SCHEDULE_PICK_DAY.format(**_common(context, post)),
        reply_markup=calendar.month_keyboard(data.post_id, *calendar.parse_month(data.month),
                                             now))


@on_button(cb.ScheduleDay, _schedulable)
async def pick_day(update: Update, context: BotContext, data: cb.ScheduleDay, post: Row) -> None:
    """``ScheduleDay``: a day picked; show its hours (a typed HH:MM is accepted from now on)."""
    day = calendar.parse_day(data.day)
    context.flow.goto(STEP_TIME, post_id=data.post_id, day=data.day)
    await update.callback_query.edit_message_text(
        texts.SCHEDULE_PICK_HOUR.format(date=calendar.format_day(day), **_common(context, post)),
        reply_markup=calendar.hours_keyboard(data.post_id, day,
                                             calendar.local_now(context.services.settings)))


@on_button(cb.ScheduleHour, _schedulable)
async def pick_hour(update: Update, context: BotContext, data: cb.ScheduleHour,
                    post: Row) -> None:
    """``ScheduleHour``: an hour picked; show its minutes in steps of 5."""
    day = calendar.parse_day(data.day)
    now = calendar.local_now(context.services.settings)
    context.flow.goto(STEP_TIME, post_id=data.post_id, day=data.day)
    await update.callback_query.edit_message_text(
        texts.SCHEDULE_PICK_MINUTE.format(date=calendar.format_day(day), hour=f"{data.hour:02d}",
                                          **_common(context, post)),
        reply_markup=calendar.minutes_keyboard(data.post_id, day, data.hour, now))


@on_button(cb.ScheduleAt, _schedulable)
async def pick_time(update: Update, context: BotContext, data: cb.ScheduleAt, post: Row) -> None:
    """``ScheduleAt``: the time picked from the buttons; schedule the post."""
    await _schedule(update, context, post, *calendar.parse_at(data.at))


@on_button(cb.ScheduleNoop)
async def noop(update: Update, context: BotContext, data: cb.ScheduleNoop) -> None:
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
            texts.SCHEDULE_NOT_ALLOWED.format(status=status_of(post)))
        return
    await _schedule(update, context, post, day, clock)


async def wrong_time(update: Update, context: BotContext) -> None:
    """``schedule.time``: not a text (a photo, a sticker...): ask for HH:MM again."""
    await update.effective_message.reply_text(texts.SCHEDULE_BAD_TIME)


async def wrong_day(update: Update, context: BotContext) -> None:
    """``schedule.day``: anything typed before a day was picked."""
    await update.effective_message.reply_text(texts.SCHEDULE_PICK_DAY_FIRST)


async def _schedule(update: Update, context: BotContext, post: Row, day: Any,
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
                                       texts.SCHEDULE_NOT_ALLOWED.format(status=status_of(fresh)))
        return
    context.flow.clear()
    fresh = await repo.get_post(int(post["id"])) or post
    log.info("post scheduled", extra={"post_id": post["id"], "by": user_id})
    await context.bot.send_message(chat_id, texts.SCHEDULE_DONE.format(
        title=publisher.title_of(fresh), when=moment.strftime("%d.%m.%Y %H:%M"),
        tz=settings.channel_timezone), reply_markup=keyboards.post_actions(fresh))


# --- back to drafts ----------------------------------------------------------------------------
@on_button(cb.Unschedule, button_post)
async def unschedule(update: Update, context: BotContext, data: cb.Unschedule, post: Row) -> None:
    """``Unschedule``: a scheduled, failed or missed post goes back to the drafts."""
    repo = context.services.storage.shopping
    planned = (PostStatus.SCHEDULED, PostStatus.FAILED, PostStatus.MISSED)
    if post["status"] not in planned or not await repo.unschedule_post(
            data.post_id, user_id=update.effective_user.id):
        fresh = await repo.get_post(data.post_id) or post
        raise Refused(texts.UNSCHEDULE_NOT_ALLOWED.format(status=status_of(fresh)))
    await update.callback_query.answer()
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
    upcoming = await repo.list_posts([PostStatus.SCHEDULED], limit=SCHEDULER_NEXT)
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
    for status, head in ((PostStatus.FAILED, texts.SCHEDULER_FAILED),
                         (PostStatus.MISSED, texts.SCHEDULER_MISSED)):
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
    if counts.get(PostStatus.FAILED):
        rows.append([InlineKeyboardButton(texts.BTN_CLEANUP,
                                          callback_data=cb.SchedulerCleanup().pack())])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def scheduler_state(update: Update, context: BotContext) -> None:
    """/scheduler: next posts, failed and missed ones, and the clean-up button."""
    context.flow.clear()
    text, markup = await _scheduler_view(context)
    await update.effective_message.reply_text(text, reply_markup=markup,
                                              disable_web_page_preview=True)


@on_button(cb.SchedulerCleanup)
async def cleanup(update: Update, context: BotContext, data: cb.SchedulerCleanup) -> None:
    """``SchedulerCleanup``: failed posts go back to the drafts; the view is refreshed."""
    query = update.callback_query
    moved = await context.services.storage.shopping.cleanup_failed(
        user_id=update.effective_user.id)
    await query.answer(texts.CLEANED.format(n=moved) if moved else texts.CLEANED_NONE,
                       show_alert=True)
    text, markup = await _scheduler_view(context)
    await query.edit_message_text(text, reply_markup=markup, disable_web_page_preview=True)


HANDLERS = [
    *button_handlers(open_calendar, show_month, pick_day, pick_hour, pick_time, noop, unschedule,
                     cleanup),
    CommandHandler("scheduler", scheduler_state, filters=PRIVATE),
    MessageHandler(TYPED & filters.TEXT & in_step(STEP_TIME), time_typed),
    MessageHandler(TYPED & in_step(STEP_TIME), wrong_time),
    MessageHandler(TYPED & in_step(STEP_DAY), wrong_day),
]

__all__ = ["HANDLERS", "STEP_DAY", "STEP_TIME"]
