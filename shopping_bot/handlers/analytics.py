"""Analytics for the editors: /stats (dashboard with periods and a chart), /post <number> (one
post's history and clicks), /export (posts, events or a summary as CSV or JSON)."""

from __future__ import annotations

import asyncio
import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import CommandHandler

from shared.access import Refused
from shared.callbacks import CallbackData, button_handlers, on_button
from shared.flows import BotContext
from shopping_bot import exports, texts
from shopping_bot.callbacks import ExportFile, ExportKind, ExportPeriod, StatsChart, StatsPeriod
from shopping_bot.filters import PRIVATE
from shopping_bot.handlers.post_buttons import status_of
from shopping_bot.stats import PERIODS, Dashboard, Period, dashboard, period

FORMATS = ("csv", "json")  # the file formats of an export


def _period(context: BotContext, key: str) -> Period:
    return period(key, context.services.settings.channel_timezone)


def _day(p: Period, d: object) -> str:
    return d.strftime("%d.%m.%Y") if hasattr(d, "strftime") else str(d)


def dashboard_text(board: Dashboard) -> str:
    """The dashboard as one HTML message."""
    p = board.period
    lines = [texts.STATS_HEADER.format(name=texts.PERIOD_NAMES.get(p.key, p.key),
                                       first=_day(p, p.first), last=_day(p, p.last), tz=p.tz),
             "",
             texts.STATS_TOTALS.format(posts=board.posts_published, clicks=board.clicks,
                                       ratio=f"{board.clicks_per_post:.2f}"),
             "", texts.STATS_TOP_HEADER]
    if not board.top:
        lines.append(texts.STATS_TOP_NONE)
    for n, post in enumerate(board.top, 1):
        when = post.published_at.astimezone(p.zone).strftime("%d.%m") if post.published_at \
            else "—"
        lines.append(texts.STATS_TOP_LINE.format(
            n=n, title=html.escape(post.title[:60]), date=when,
            format=texts.FORMAT_NAMES.get(post.post_format or "", post.post_format or "—"),
            clicks=post.clicks))
    lines += ["", texts.STATS_FORMAT_HEADER]
    for f in board.formats:
        lines.append(texts.STATS_FORMAT_LINE.format(
            format=texts.FORMAT_NAMES.get(f.post_format, f.post_format), posts=f.posts,
            clicks=f.clicks, average=f"{f.average:.2f}"))
    lines += ["", texts.STATS_FOOTNOTE]
    return "\n".join(lines)


def dashboard_keyboard(key: str) -> InlineKeyboardMarkup:
    periods = [InlineKeyboardButton(("• " if k == key else "") + texts.BTN_PERIOD[k],
                                    callback_data=StatsPeriod(k).pack()) for k in PERIODS]
    return InlineKeyboardMarkup([periods, [InlineKeyboardButton(
        texts.BTN_CHART, callback_data=StatsChart(key).pack())]])


async def stats(update: Update, context: BotContext) -> None:
    """/stats: the dashboard of the last 7 days, with buttons for the other periods."""
    board = await dashboard(context.services.storage, _period(context, "7d"))
    await update.effective_message.reply_text(dashboard_text(board),
                                              reply_markup=dashboard_keyboard("7d"))


async def _answer_offered(update: Update, data: CallbackData) -> None:
    """Answer the button when every value it carries is one we offer (a period, a kind of
    export, a file format); refused as stale otherwise (an old keyboard, a forged button)."""
    offered = {"key": PERIODS, "kind": exports.KINDS, "fmt": FORMATS}
    if any(getattr(data, name) not in values for name, values in offered.items()
           if hasattr(data, name)):
        raise Refused(texts.STALE_BUTTON, alert=False)
    await update.callback_query.answer()


@on_button(StatsPeriod)
async def stats_period(update: Update, context: BotContext, data: StatsPeriod) -> None:
    """A period button: the same message shows that period."""
    await _answer_offered(update, data)
    board = await dashboard(context.services.storage, _period(context, data.key))
    await update.callback_query.edit_message_text(dashboard_text(board),
                                                  reply_markup=dashboard_keyboard(data.key))


@on_button(StatsChart)
async def stats_chart(update: Update, context: BotContext, data: StatsChart) -> None:
    """The chart button: clicks and posts per day of the period, as a picture."""
    from shopping_bot.charts import daily_chart  # matplotlib: only when a chart is asked for

    await _answer_offered(update, data)
    p = _period(context, data.key)
    board = await dashboard(context.services.storage, p)
    png, _series = await asyncio.to_thread(daily_chart, board)
    await context.bot.send_photo(
        update.effective_chat.id, InputFile(png, filename=f"clicks_{p.first}_{p.last}.png"),
        caption=texts.CHART_CAPTION.format(name=texts.PERIOD_NAMES[p.key], first=_day(p, p.first),
                                           last=_day(p, p.last), tz=p.tz))


async def post_history(update: Update, context: BotContext) -> None:
    """/post <number>: a post's history (created, edited, scheduled, published...) and the
    clicks of each of its buttons."""
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        await update.effective_message.reply_text(texts.POST_USAGE)
        return
    post_id = int(args[0].lstrip("#"))
    shopping = context.services.storage.shopping
    post = await shopping.get_post(post_id)
    if post is None:
        await update.effective_message.reply_text(texts.POST_NOT_FOUND)
        return
    zone = _period(context, "today").zone
    lines = [texts.POST_HISTORY_HEADER.format(
        id=post_id, title=html.escape((post["title"] or "")[:80]),
        format=texts.FORMAT_NAMES.get(post["post_format"] or "", post["post_format"] or "—"),
        status=status_of(post))]
    for event in await shopping.history(post_id):
        if event["action"] == "click":
            continue
        name = texts.HISTORY_ACTIONS.get(event["action"], event["action"])
        lines.append(texts.POST_HISTORY_LINE.format(
            when=event["created_at"].astimezone(zone).strftime("%d.%m.%Y %H:%M"),
            action=html.escape(name)))
    lines += ["", texts.POST_CTA_HEADER]
    links = await shopping.links(post_id)
    clicks = await context.services.storage.analytics.post_clicks(post_id)
    if not links:
        lines.append(texts.POST_CTA_NONE)
    for link in links:
        lines.append(texts.POST_CTA_LINE.format(label=html.escape(link["label"]),
                                                clicks=clicks.get(int(link["id"]), 0)))
    await update.effective_message.reply_text("\n".join(lines))


async def export(update: Update, context: BotContext) -> None:
    """/export: choose what, then the period, then CSV or JSON."""
    rows = [[InlineKeyboardButton(label, callback_data=ExportKind(kind).pack())]
            for kind, label in texts.EXPORT_KINDS.items()]
    await update.effective_message.reply_text(texts.EXPORT_CHOOSE_KIND,
                                              reply_markup=InlineKeyboardMarkup(rows))


async def _ask_next(update: Update, data: CallbackData, question: str,
                    choices: list[tuple[str, CallbackData]]) -> None:
    """The next question of /export in the same message, its choices one row of buttons."""
    await _answer_offered(update, data)
    row = [InlineKeyboardButton(label, callback_data=choice.pack()) for label, choice in choices]
    await update.callback_query.edit_message_text(question,
                                                  reply_markup=InlineKeyboardMarkup([row]))


@on_button(ExportKind)
async def export_kind(update: Update, context: BotContext, data: ExportKind) -> None:
    """What was chosen: ask for the period."""
    await _ask_next(update, data, texts.EXPORT_CHOOSE_PERIOD,
                    [(texts.BTN_PERIOD[k], ExportPeriod(data.kind, k)) for k in PERIODS])


@on_button(ExportPeriod)
async def export_period(update: Update, context: BotContext, data: ExportPeriod) -> None:
    """The period was chosen: ask for the file format."""
    await _ask_next(update, data, texts.EXPORT_CHOOSE_FORMAT,
                    [(fmt.upper(), ExportFile(data.kind, data.key, fmt)) for fmt in FORMATS])


@on_button(ExportFile)
async def export_file(update: Update, context: BotContext, data: ExportFile) -> None:
    """Everything chosen: build the file and send it as a document with a descriptive name."""
    await _answer_offered(update, data)
    p = _period(context, data.key)
    rows = await exports.rows_of(context.services.storage, data.kind, p)
    body = exports.as_csv(data.kind, rows, p) if data.fmt == "csv" else \
        exports.as_json(data.kind, rows, p)
    caption = texts.EXPORT_CAPTION.format(kind=texts.EXPORT_KINDS[data.kind], first=p.first,
                                          last=p.last, tz=p.tz, n=len(rows))
    if not rows:
        caption += "\n" + texts.EXPORT_EMPTY_NOTE
    await context.bot.send_document(update.effective_chat.id,
                                    InputFile(body, filename=exports.filename(data.kind, p,
                                                                              data.fmt)),
                                    caption=caption)


HANDLERS = [
    CommandHandler("stats", stats, filters=PRIVATE),
    CommandHandler("post", post_history, filters=PRIVATE),
    CommandHandler("export", export, filters=PRIVATE),
    *button_handlers(stats_period, stats_chart, export_kind, export_period, export_file),
]
