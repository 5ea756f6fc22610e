"""Daily tips: admins keep a list (/addtip, /tips, /deltip); every day at TIP_TIME (in
AVAP_TIMEZONE) the next tip in the list goes to every verified student who has not turned tips
off (/tips_off, /tips_on); "Daily tip" in the menu shows today's.

A day's tip is a broadcast of kind ``tip``, sent by the sending engine (avap_bot/broadcasting.py):
the same per-recipient delivery rows, lock, pacing and resuming after a restart; this module
only says what a tip looks like (``compose_tip``). The day itself is claimed in
``tip_days`` (unique per local date) in the same transaction that creates the broadcast, so it
goes out once however many instances fire, and the scheduler's job_runs claim stops the second
instance even earlier. A day missed while the process was stopped (Render's free plan sleeps)
is sent at start-up (``on_ready``) when it is past TIP_TIME and still that day.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from avap_bot import broadcasting, keyboards, texts
from avap_bot.access import admin_only, student_only
from avap_bot.filters import NEW, PRIVATE, menu_button
from avap_bot.storage.engagement import TIP_KIND
from shared.flows import BotContext

if TYPE_CHECKING:
    from shared.scheduler import Scheduler
    from shared.services import Services

log = logging.getLogger(__name__)

JOB_ID = "avap-daily-tip"
SNIPPET = 70
CAPTION_LIMIT = 1024
_COMMAND = re.compile(r"^/addtip(@\w+)?\s*", re.IGNORECASE)


def local_now(settings: Any) -> datetime:
    return datetime.now(ZoneInfo(settings.avap_timezone))


def tip_clock(settings: Any) -> time:
    hour, minute = settings.tip_time.split(":")
    return time(int(hour), int(minute))


def today(settings: Any) -> date:
    return local_now(settings).date()


def _snippet(text: str) -> str:
    plain = " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())
    return plain if len(plain) <= SNIPPET else plain[:SNIPPET - 1] + "…"


def _tip_text(row: dict) -> str:
    return texts.TIP_HEADER + row["text"]


async def _show_tip(message: Message, row: dict, footer: str = "") -> None:
    body = _tip_text(row) + footer
    if row.get("file_id"):
        await message.reply_photo(row["file_id"], caption=body[:CAPTION_LIMIT],
                                  reply_markup=keyboards.main_menu())
    else:
        await message.reply_text(body, reply_markup=keyboards.main_menu())


# --- admins -------------------------------------------------------------------------------------
@admin_only
async def addtip(update: Update, context: BotContext) -> None:
    """/addtip <text>, or a photo with the caption /addtip <text>: add a tip at the end."""
    message = update.effective_message
    photo = message.photo[-1].file_id if message.photo else None
    raw = (message.caption_html if photo else message.text_html) or ""
    text = _COMMAND.sub("", raw, count=1).strip()
    if not text and not photo:
        await message.reply_text(texts.ADDTIP_USAGE)
        return
    n = await context.services.storage.engagement.add_tip(
        text, photo, update.effective_user.id, source=(message.chat_id, message.message_id))
    log.info("tip added", extra={"tip_number": n, "photo": photo is not None})
    await message.reply_text(texts.ADDTIP_DONE.format(n=n))


@admin_only
async def list_tips(update: Update, context: BotContext) -> None:
    """/tips: every tip with its number, and which one goes out next."""
    repo = context.services.storage.engagement
    rows = await repo.list_tips()
    if not rows:
        await update.effective_message.reply_text(texts.TIPS_LIST_NONE)
        return
    lines = [texts.TIPS_LIST_HEAD]
    for n, row in enumerate(rows, 1):
        lines.append(texts.TIPS_LIST_ROW.format(
            n=n, photo=texts.TIPS_PHOTO if row["file_id"] else "",
            snippet=html.escape(_snippet(row["text"]))))
    sent_today = await repo.tip_day(today(context.services.settings).isoformat())
    nxt = await repo.next_tip()
    if nxt is not None:
        position = next(n for n, row in enumerate(rows, 1) if row["id"] == nxt["id"])
        if sent_today is None or sent_today["tip_id"] != nxt["id"]:
            lines.append(texts.TIPS_LIST_NEXT.format(n=position))
    await update.effective_message.reply_text("\n".join(lines))


@admin_only
async def deltip(update: Update, context: BotContext) -> None:
    """/deltip <number>: delete the tip /tips shows with that number."""
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        await update.effective_message.reply_text(texts.DELTIP_USAGE)
        return
    n = int(args[0].lstrip("#"))
    row = await context.services.storage.engagement.delete_tip(n)
    if row is None:
        await update.effective_message.reply_text(texts.DELTIP_NOT_FOUND.format(n=n))
        return
    await update.effective_message.reply_text(
        texts.DELTIP_DONE.format(n=n, snippet=html.escape(_snippet(row["text"]))))


# --- students -----------------------------------------------------------------------------------
@student_only
async def daily_tip(update: Update, context: BotContext) -> None:
    """The menu's "Daily tip": today's tip (or the one today will bring)."""
    context.flow.clear()
    repo = context.services.storage.engagement
    row = await repo.tip_day(today(context.services.settings).isoformat()) or \
        await repo.next_tip()
    if row is None:
        await update.effective_message.reply_text(texts.TIP_NONE,
                                                  reply_markup=keyboards.main_menu())
        return
    enabled = await repo.tips_enabled(update.effective_user.id)
    await _show_tip(update.effective_message, row, "" if enabled else texts.TIP_FOOTER_OFF)


@student_only
async def tips_off(update: Update, context: BotContext) -> None:
    """/tips_off: no more daily tips."""
    changed = await context.services.storage.engagement.set_tips(update.effective_user.id, False)
    await update.effective_message.reply_text(texts.TIPS_OFF if changed else texts.TIPS_OFF_ALREADY)


@student_only
async def tips_on(update: Update, context: BotContext) -> None:
    """/tips_on: daily tips again."""
    changed = await context.services.storage.engagement.set_tips(update.effective_user.id, True)
    await update.effective_message.reply_text(texts.TIPS_ON if changed else texts.TIPS_ON_ALREADY)


# --- sending ------------------------------------------------------------------------------------
async def compose_tip(app: Application, services: Services, row: dict) -> broadcasting.Send:
    """The message of a broadcast of kind ``tip``: the day's tip (text, or photo and caption),
    looked up once per run of the broadcast."""
    day = await services.storage.engagement.tip_of_broadcast(row["id"]) or {
        "text": row["content"], "file_id": None}
    text, photo = _tip_text(day), day.get("file_id")
    if photo:
        caption = text[:CAPTION_LIMIT]

        def send_photo(chat_id: int, bulk: Any) -> Awaitable[object]:
            return app.bot.send_photo(chat_id, photo, caption=caption, rate_limit_args=bulk)

        return send_photo

    def send_text(chat_id: int, bulk: Any) -> Awaitable[object]:
        return app.bot.send_message(chat_id, text, rate_limit_args=bulk)

    return send_text


broadcasting.register_kind(TIP_KIND, compose_tip)


async def send_todays_tip(app: Application, services: Services) -> int | None:
    """Send today's tip unless it went out already or it is before TIP_TIME; the broadcast id
    when this call started it."""
    settings = services.settings
    now = local_now(settings)
    if now.time() < tip_clock(settings):
        return None
    day = now.date().isoformat()
    broadcast_id = await services.storage.engagement.start_tip_day(day)
    if broadcast_id is None:
        return None
    log.info("daily tip started", extra={"day": day, "broadcast_id": broadcast_id})
    broadcasting.launch(app, services, broadcast_id)
    return broadcast_id


def register_jobs(scheduler: Scheduler, app: Application, services: Services) -> None:
    """The daily tip at TIP_TIME in AVAP_TIMEZONE."""
    clock = tip_clock(services.settings)
    scheduler.cron(JOB_ID, send_todays_tip, app, services,
                   timezone=services.settings.avap_timezone, hour=clock.hour,
                   minute=clock.minute)


async def on_ready(app: Application, services: Services) -> None:
    """At start-up: today's tip if the process slept through TIP_TIME (the day is claimed, so
    this never sends it twice). Broadcasts of earlier tips resume with the broadcasts."""
    try:
        await send_todays_tip(app, services)
    except Exception:
        log.exception("could not catch up on today's tip")


HANDLERS = [
    CommandHandler("addtip", addtip, filters=NEW),
    MessageHandler(NEW & filters.PHOTO & filters.CaptionRegex(r"^/addtip(@\w+)?(\s|$)"), addtip),
    CommandHandler("tips", list_tips, filters=NEW),
    CommandHandler("deltip", deltip, filters=NEW),
    CommandHandler("tips_off", tips_off, filters=PRIVATE),
    CommandHandler("tips_on", tips_on, filters=PRIVATE),
    MessageHandler(menu_button(texts.MENU_TIP), daily_tip),
]
