"""Analytics for the editors: /stats (dashboard with periods and a chart), /post <number> (one
post's history and clicks), /export (posts, events or a summary as CSV or JSON)."""

from __future__ import annotations

import asyncio
import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from shared.flows import BotContext
from shopping_bot import exports, texts
from shopping_bot.callbacks import ExportFile, ExportKind, ExportPeriod, StatsChart, StatsPeriod
from shopping_bot.filters import PRIVATE
from shopping_bot.stats import PERIODS, Dashboard, Period, dashboard, period


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


async def _period_key(update: Update, button: type[StatsPeriod | StatsChart]) -> str | None:
    """The period of a dashboard ``button``, or None; the button is answered (stale: said so)."""
    query = update.callback_query
    data = button.parse(query.data)
    if data is None or data.key not in PERIODS:
        await query.answer(texts.STALE_BUTTON)
        return None
    await query.answer()
    return data.key


async def stats_period(update: Update, context: BotContext) -> None:
    """A period button: the same message shows that period."""
    key = await _period_key(update, StatsPeriod)
    if key is None:
        return
    board = await dashboard(context.services.storage, _period(context, key))
    await update.callback_query.edit_message_text(dashboard_text(board),
                                                  reply_markup=dashboard_keyboard(key))


async def stats_chart(update: Update, context: BotContext) -> None:
    """The chart button: clicks and posts per day of the period, as a picture."""
    from shopping_bot.charts import daily_chart  # matplotlib: only when a chart is asked for

    key = await _period_key(update, StatsChart)
    if key is None:
        return
    p = _period(context, key)
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
        status=texts.STATUS.get(post["status"], post["status"]))]
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


async def export_kind(update: Update, context: BotContext) -> None:
    """What was chosen: ask for the period."""
    query = update.callback_query
    data = ExportKind.parse(query.data)
    if data is None or data.kind not in exports.KINDS:
        await query.answer(texts.STALE_BUTTON)
        return
    await query.answer()
    row = [InlineKeyboardButton(texts.BTN_PERIOD[k], callback_data=ExportPeriod(data.kind,
                                                                                k).pack())
           for k in PERIODS]
    await query.edit_message_text(texts.EXPORT_CHOOSE_PERIOD,
                                  reply_markup=InlineKeyboardMarkup([row]))


async def export_period(update: Update, context: BotContext) -> None:
    """The period was chosen: ask for the file format."""
    query = update.callback_query
    data = ExportPeriod.parse(query.data)
    if data is None or data.kind not in exports.KINDS or data.key not in PERIODS:
        await query.answer(texts.STALE_BUTTON)
        return
    await query.answer()
    row = [InlineKeyboardButton(fmt.upper(), callback_data=ExportFile(data.kind, data.key,
                                                                      fmt).pack())
           for fmt in ("csv", "json")]
    await query.edit_message_text(texts.EXPORT_CHOOSE_FORMAT,
                                  reply_markup=InlineKeyboardMarkup([row]))


async def export_file(update: Update, context: BotContext) -> None:
    """Everything chosen: build the file and send it as a document with a descriptive name."""
    query = update.callback_query
    data = ExportFile.parse(query.data)
    if data is None or data.kind not in exports.KINDS or data.key not in PERIODS or \
            data.fmt not in ("csv", "json"):
        await query.answer(texts.STALE_BUTTON)
        return
    await query.answer()
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
    CallbackQueryHandler(stats_period, pattern=StatsPeriod.pattern()),
    CallbackQueryHandler(stats_chart, pattern=StatsChart.pattern()),
    CallbackQueryHandler(export_kind, pattern=ExportKind.pattern()),
    CallbackQueryHandler(export_period, pattern=ExportPeriod.pattern()),
    CallbackQueryHandler(export_file, pattern=ExportFile.pattern()),
]
