"""Reports for the admins: /export (CSV files) and /resync_sheets (the Google Sheets mirror)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CommandHandler, filters

from avap_bot import texts
from avap_bot.access import admin_only
from shared.flows import BotContext
from shared.services import sheets
from shared.storage import utcnow

EXPORTED = ("verified_users", "submissions", "questions")
# a spreadsheet treats these first characters as a formula (tab and CR too, in some versions)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any, zone: ZoneInfo) -> Any:
    """One CSV cell: dates in the course's time zone, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(table: str, rows: list[dict[str, Any]], zone: ZoneInfo) -> bytes:
    """UTF-8 with a BOM (Excel then reads Armenian and other non-Latin text correctly)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    columns = sheets.COLUMNS[table]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(name), zone) for name in columns])
    return out.getvalue().encode("utf-8-sig")


@admin_only
async def export(update: Update, context: BotContext) -> None:
    """/export: students, submissions and questions as CSV documents."""
    zone = ZoneInfo(context.services.settings.avap_timezone)
    day = utcnow().astimezone(zone).strftime("%Y-%m-%d")
    message = update.effective_message
    for table in EXPORTED:
        rows = await context.services.storage.avap.report_rows(table)
        await message.reply_document(
            document=csv_bytes(table, rows, zone),
            filename=f"{texts.EXPORT_FILE[table]}_{day}.csv",
            caption=texts.EXPORT_CAPTION[table].format(n=len(rows)))
    await message.reply_text(texts.EXPORT_DONE.format(date=day, zone=zone.key))


@admin_only
async def resync_sheets(update: Update, context: BotContext) -> None:
    """/resync_sheets: queue a rewrite of every worksheet from the database."""
    settings = context.services.settings
    if not await sheets.resync(context.services):
        await update.effective_message.reply_text(texts.SHEETS_OFF)
        return
    await update.effective_message.reply_text(
        texts.SHEETS_RESYNC_QUEUED.format(name=settings.google_sheet_name))


NEW = filters.UpdateType.MESSAGE

HANDLERS = [
    CommandHandler("export", export, filters=NEW),
    CommandHandler("resync_sheets", resync_sheets, filters=NEW),
]
