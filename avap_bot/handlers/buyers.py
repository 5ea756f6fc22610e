"""The admins' list of buyers and students: /addstudent, /import, /pending, /revoke, /admins."""

from __future__ import annotations

import csv
import html
import io

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import admin_only, is_owner, owner_only
from avap_bot.filters import NEW
from avap_bot.handlers.desk import named_student
from avap_bot.integrations.systeme import enqueue_revoked
from avap_bot.validators import normalise_email, normalise_phone
from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext
from shared.storage import utcnow
from shared.telegram_outbox import send_later

BOT = "avap"
MAX_CSV_BYTES = 1024 * 1024
MAX_REPORTED_REJECTIONS = 20


def _parse_buyer(words: list[str], region: str | None) -> tuple[str, str, str | None] | str:
    """(name, email, phone) from "Ann Smith ann@x.com +374...", or an error text."""
    if len(words) < 2:
        return texts.ADDSTUDENT_USAGE
    phone = None
    rest = list(words)
    maybe_phone = normalise_phone(rest[-1], region) if not normalise_email(rest[-1]) else None
    if maybe_phone is not None and len(rest) >= 3:
        phone = maybe_phone
        rest = rest[:-1]
    elif len(rest) >= 3 and not normalise_email(rest[-1]) and normalise_email(rest[-2]):
        return texts.ADDSTUDENT_BAD_PHONE.format(value=html.escape(rest[-1]))
    email = normalise_email(rest[-1])
    if email is None:
        return texts.ADDSTUDENT_BAD_EMAIL.format(value=html.escape(rest[-1]))
    name = " ".join(rest[:-1]).strip()
    if not name:
        return texts.ADDSTUDENT_USAGE
    return name[:200], email, phone


@admin_only
async def add_student(update: Update, context: BotContext) -> None:
    """/addstudent <name> <email> [phone]: add a buyer to the pending list (or update it)."""
    parsed = _parse_buyer(context.args or [], context.services.settings.phone_region)
    if isinstance(parsed, str):
        await update.effective_message.reply_text(parsed)
        return
    name, email, phone = parsed
    action, _ = await context.services.storage.avap.upsert_buyer(
        name=name, email=email, phone=phone, source="admin", added_by=update.effective_user.id)
    await update.effective_message.reply_text(texts.ADDSTUDENT_DONE.format(
        action="Added" if action == "added" else "Updated", name=html.escape(name),
        email=html.escape(email), phone=f", {phone}" if phone else ""))


@admin_only
async def import_csv(update: Update, context: BotContext) -> None:
    """A CSV (name, email, phone) with the caption /import: add or update every valid row."""
    document = update.effective_message.document
    if document is None:
        await update.effective_message.reply_text(texts.IMPORT_NEEDS_CSV)
        return
    if (document.file_size or 0) > MAX_CSV_BYTES:
        await update.effective_message.reply_text(texts.IMPORT_TOO_BIG)
        return
    file = await document.get_file()
    data = bytes(await file.download_as_bytearray())
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error):
        await update.effective_message.reply_text(texts.IMPORT_BAD_FILE)
        return
    if not rows or "email" not in {(k or "").strip().lower() for k in rows[0]}:
        await update.effective_message.reply_text(texts.IMPORT_BAD_FILE)
        return
    region = context.services.settings.phone_region
    added = updated = 0
    rejected: list[str] = []
    storage = context.services.storage
    async with storage.db.write() as conn:
        for number, raw in enumerate(rows, start=2):  # row 1 is the header
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            name, email_raw, phone_raw = row.get("name", ""), row.get("email", ""), \
                row.get("phone", "")
            email = normalise_email(email_raw)
            phone = normalise_phone(phone_raw, region) if phone_raw else None
            reason = None
            if not name:
                reason = "no name"
            elif email is None:
                reason = "invalid email"
            elif phone_raw and phone is None:
                reason = "invalid phone"
            if reason is not None:
                rejected.append(texts.IMPORT_REJECTED_ROW.format(row=number, reason=reason))
                continue
            action, _ = await storage.avap.upsert_buyer(
                name=name[:200], email=email, phone=phone, source="import",
                added_by=update.effective_user.id, conn=conn)
            added += action == "added"
            updated += action == "updated"
    report = texts.IMPORT_REPORT.format(added=added, updated=updated, rejected=len(rejected))
    if rejected:
        report += "\n" + "\n".join(rejected[:MAX_REPORTED_REJECTIONS])
        if len(rejected) > MAX_REPORTED_REJECTIONS:
            report += "\n" + texts.PENDING_MORE.format(more=len(rejected) - MAX_REPORTED_REJECTIONS)
    await update.effective_message.reply_text(report)


@admin_only
async def pending(update: Update, context: BotContext) -> None:
    """/pending: buyers who have not verified yet, oldest first."""
    rows, total = await context.services.storage.avap.pending_buyers(limit=30)
    if total == 0:
        await update.effective_message.reply_text(texts.PENDING_NONE)
        return
    now = utcnow()
    lines = [texts.PENDING_HEAD.format(total=total)]
    for r in rows:
        lines.append(texts.PENDING_ROW.format(
            name=html.escape(r["name"]), email=html.escape(r["email"] or "—"),
            phone=html.escape(r["phone"] or ""),
            age=texts.age((now - r["created_at"]).total_seconds())))
    if total > len(rows):
        lines.append(texts.PENDING_MORE.format(more=total - len(rows)))
    await update.effective_message.reply_text("\n".join(lines))


@admin_only
async def revoke(update: Update, context: BotContext) -> None:
    """/revoke <telegram id | email>: close a student's access."""
    student = await named_student(update, context, texts.REVOKE_USAGE, texts.REVOKE_NOT_FOUND,
                                  verified=True)
    if student is None:
        return
    storage = context.services.storage
    async with storage.db.write() as conn:
        # queued before the change (they do not depend on its answer): on the REST backend they
        # then commit in the revocation's own transaction, as they do on SQL
        await enqueue_revoked(context.services, student["telegram_id"], conn=conn)
        await send_later(context.services, BOT, student["telegram_id"], texts.ACCESS_REVOKED,
                         reply_markup=keyboards.no_keyboard(), conn=conn)
        await storage.avap.revoke_student(student["telegram_id"], conn=conn)
        await storage.flows.save(BOT, student["telegram_id"], student["telegram_id"], None, {},
                                 conn=conn)
    await update.effective_message.reply_text(texts.REVOKE_DONE.format(
        name=html.escape(student["name"]), tg_id=student["telegram_id"]))


@owner_only
async def admins(update: Update, context: BotContext) -> None:
    """/admins: list; /admins add <id> [name]; remove with the buttons (owners only)."""
    args = context.args or []
    avap = context.services.storage.avap
    if len(args) >= 2 and args[0].lower() == "add":
        if not args[1].isdigit():
            await update.effective_message.reply_text(texts.ADMINS_USAGE)
            return
        tg_id = int(args[1])
        name = " ".join(args[2:])[:100] or None
        added = await avap.add_admin(tg_id, name, update.effective_user.id)
        await update.effective_message.reply_text(
            (texts.ADMIN_ADDED if added else texts.ADMIN_EXISTS).format(tg_id=tg_id))
        return
    listed = await avap.list_admins()
    owners = ", ".join(str(i) for i in context.services.settings.admin_user_ids) or \
        texts.ADMINS_NONE
    added_text = ", ".join(
        f"{a['telegram_id']}" + (f" ({html.escape(a['name'])})" if a["name"] else "")
        for a in listed) or texts.ADMINS_NONE
    await update.effective_message.reply_text(
        texts.ADMINS_LIST.format(owners=owners, added=added_text) + "\n\n" + texts.ADMINS_USAGE,
        reply_markup=keyboards.remove_admins(
            [(a["telegram_id"], a["name"] or str(a["telegram_id"])) for a in listed]))


@on_button(cb.RemoveAdmin)
async def remove_admin(update: Update, context: BotContext, data: cb.RemoveAdmin) -> None:
    """The Remove button of /admins (owners only)."""
    if not is_owner(context, update.effective_user.id):
        raise Refused(texts.OWNERS_ONLY)
    removed = await context.services.storage.avap.remove_admin(data.telegram_id)
    await update.callback_query.answer((texts.ADMIN_REMOVED if removed else texts.ADMIN_NOT_FOUND)
                                       .format(tg_id=data.telegram_id), show_alert=True)



HANDLERS = [
    CommandHandler("addstudent", add_student, filters=NEW),
    MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/import(@\w+)?\b"), import_csv),
    CommandHandler("import", import_csv, filters=NEW),
    CommandHandler("pending", pending, filters=NEW),
    CommandHandler("revoke", revoke, filters=NEW),
    CommandHandler("admins", admins, filters=NEW),
    *button_handlers(remove_admin),
]
