"""Reports for the admins: /export (CSV files) and /resync_sheets (the Google Sheets mirror)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import CommandHandler

from avap_bot import texts
from avap_bot.access import admin_only
from avap_bot.filters import NEW
from avap_bot.integrations import sheets
from shared import csv_export
from shared.flows import BotContext
from shared.storage import utcnow

EXPORTED = ("verified_users", "submissions", "questions")


def csv_bytes(table: str, rows: list[dict[str, Any]], zone: ZoneInfo) -> bytes:
    """The table's Sheets columns as a CSV file for Excel (see ``shared.csv_export``)."""
    return csv_export.csv_bytes(sheets.COLUMNS[table], rows, zone)


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



HANDLERS = [
    CommandHandler("export", export, filters=NEW),
    CommandHandler("resync_sheets", resync_sheets, filters=NEW),
]
