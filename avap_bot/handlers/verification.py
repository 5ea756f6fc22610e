"""Verification: a newcomer proves the purchase (email, phone or shared contact); an admin
approves, rejects, or moves a buyer claimed twice.

The answer to "not found" is the same whatever was typed, and attempts are limited per Telegram
account, so that nobody can probe the buyer list.
"""

from __future__ import annotations

import html
from datetime import timedelta

from telegram import Update
from telegram.ext import MessageHandler, filters

from avap_bot import callbacks as cb
from avap_bot import keyboards, texts
from avap_bot.access import admin_only
from avap_bot.cards import admin_label, queue_card, who
from avap_bot.filters import STEP_IDENTIFIER, STEP_WAITING, VERIFY_INPUT
from avap_bot.integrations.systeme import enqueue_verified
from avap_bot.validators import mask_email, mask_phone, normalise_email, normalise_phone
from shared.access import Refused
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext, in_step
from shared.storage import utcnow
from shared.telegram_outbox import edit_later, send_later

BOT = "avap"


def _buyer_line(buyer: dict) -> str:
    return (f"{html.escape(buyer['name'])} — {mask_email(buyer.get('email'))}, "
            f"{mask_phone(buyer.get('phone'))}")


async def _over_limit(context: BotContext, user_id: int) -> bool:
    limit = context.services.settings.verify_attempts_per_hour
    since = utcnow() - timedelta(hours=1)
    return await context.services.storage.avap.attempts_since(user_id, since) >= limit


async def identifier_received(update: Update, context: BotContext) -> None:
    """An email or phone typed by a newcomer: look it up (within the hourly limit)."""
    text = (update.effective_message.text or "").strip()
    email = normalise_email(text)
    phone = None if email else normalise_phone(text, context.services.settings.phone_region)
    if email is None and phone is None:
        await update.effective_message.reply_text(texts.ASK_IDENTIFIER_AGAIN)
        return
    await _look_up(update, context, email=email, phone=phone)


async def contact_received(update: Update, context: BotContext) -> None:
    """A shared Telegram contact: accepted only when it is the sender's own number."""
    contact = update.effective_message.contact
    if contact.user_id != update.effective_user.id:
        await update.effective_message.reply_text(texts.NOT_YOUR_CONTACT)
        return
    raw = contact.phone_number if contact.phone_number.startswith("+") else \
        "+" + contact.phone_number
    phone = normalise_phone(raw)
    if phone is None:
        await update.effective_message.reply_text(texts.ASK_IDENTIFIER_AGAIN)
        return
    await _look_up(update, context, email=None, phone=phone)


async def _look_up(update: Update, context: BotContext, *, email: str | None,
                   phone: str | None) -> None:
    user = update.effective_user
    avap = context.services.storage.avap
    if await _over_limit(context, user.id):
        await update.effective_message.reply_text(texts.VERIFY_TOO_MANY,
                                                  reply_markup=keyboards.manual_review())
        return
    await avap.record_attempt(user.id)
    context.flow.goto(STEP_IDENTIFIER, tried=email or phone)
    buyer = await avap.find_buyer(email=email, phone=phone)
    if buyer is None:
        await update.effective_message.reply_text(texts.VERIFY_NOT_FOUND,
                                                  reply_markup=keyboards.manual_review())
        return
    matched = "email" if email else "phone"
    owner = buyer.get("telegram_id")
    if buyer["status"] == "verified" and owner == user.id:
        context.flow.clear()
        await update.effective_message.reply_text(texts.VERIFY_ALREADY,
                                                  reply_markup=keyboards.main_menu())
        return
    conflict = buyer["status"] == "verified" and owner is not None
    template = texts.CARD_CONFLICT if conflict else texts.CARD_MATCH
    async with context.services.storage.db.write() as conn:
        request_id = await avap.create_request(
            telegram_id=user.id, tg_name=user.full_name, tg_username=user.username,
            buyer_id=buyer["id"], kind="conflict" if conflict else "match", identifier=matched,
            conn=conn)
        await queue_card(
            context, "VERIFICATION_GROUP_ID", ("request", request_id),
            template.format(id=request_id, buyer=_buyer_line(buyer), owner_id=owner,
                            tg_name=html.escape(user.full_name), tg_id=user.id,
                            tg_username="@" + html.escape(user.username) if user.username
                            else "—", matched=matched),
            keyboards.verification_card(request_id, conflict=conflict), conn=conn)
    context.flow.goto(STEP_WAITING)
    await update.effective_message.reply_text(
        texts.VERIFY_CLAIMED if conflict else
        texts.VERIFY_MATCHED.format(name=html.escape(buyer["name"])),
        reply_markup=keyboards.no_keyboard())


async def waiting_message(update: Update, context: BotContext) -> None:
    """A newcomer writes while their request is with the admins."""
    if update.effective_message.contact is not None or normalise_email(
            update.effective_message.text or "") or normalise_phone(
            update.effective_message.text or "", context.services.settings.phone_region):
        # a new identifier: look it up again (the new request replaces the old one)
        if update.effective_message.contact is not None:
            await contact_received(update, context)
        else:
            await identifier_received(update, context)
        return
    await update.effective_message.reply_text(texts.REVIEW_ALREADY)


@on_button(cb.ManualReview)
async def manual_review(update: Update, context: BotContext, data: cb.ManualReview) -> None:
    """The newcomer asks an admin to check by hand."""
    query = update.callback_query
    user = update.effective_user
    avap = context.services.storage.avap
    if await avap.verified_student(user.id) is not None:
        raise Refused(texts.VERIFY_ALREADY)
    existing = await avap.open_request_of(user.id)
    if existing is not None and existing["kind"] == "manual":
        raise Refused(texts.REVIEW_ALREADY)
    await query.answer()
    tried = context.flow.data.get("tried")
    async with context.services.storage.db.write() as conn:
        request_id = await avap.create_request(
            telegram_id=user.id, tg_name=user.full_name, tg_username=user.username,
            buyer_id=None, kind="manual", identifier=tried, conn=conn)
        await queue_card(
            context, "VERIFICATION_GROUP_ID", ("request", request_id),
            texts.CARD_MANUAL.format(
                id=request_id, tg_name=html.escape(user.full_name), tg_id=user.id,
                tg_username="@" + html.escape(user.username) if user.username else "—",
                tried=html.escape(tried) if tried else "—"),
            keyboards.verification_card(request_id), conn=conn)
    context.flow.goto(STEP_WAITING)
    await query.message.reply_text(texts.REVIEW_REQUESTED, reply_markup=keyboards.no_keyboard())


async def _buyer_for_manual(context: BotContext, request: dict) -> dict | None:
    """A manual request has no buyer: match what the student tried, now that an admin may have
    added it."""
    tried = request.get("identifier") or ""
    avap = context.services.storage.avap
    email = normalise_email(tried)
    phone = None if email else normalise_phone(tried, context.services.settings.phone_region)
    return await avap.find_buyer(email=email, phone=phone) if (email or phone) else None


@admin_only
@on_button(cb.Approve)
async def approve(update: Update, context: BotContext, data: cb.Approve) -> None:
    """Approve a request: the student gets access and the main menu."""
    await _decide(update, context, data.request_id, move=False)


@admin_only
@on_button(cb.MoveBuyer)
async def move_buyer(update: Update, context: BotContext, data: cb.MoveBuyer) -> None:
    """Second claim: move the buyer from the old account to the new one."""
    await _decide(update, context, data.request_id, move=True)


async def _decide(update: Update, context: BotContext, request_id: int, *, move: bool) -> None:
    query = update.callback_query
    storage = context.services.storage
    avap = storage.avap
    request = await avap.get_request(request_id)
    if request is None or request["status"] != "open":
        raise Refused(texts.CARD_DONE_ALREADY)
    buyer = await avap.get_buyer(request["buyer_id"]) if request["buyer_id"] else \
        await _buyer_for_manual(context, request)
    if buyer is None:
        raise Refused(texts.CARD_NO_BUYER)
    owner = buyer.get("telegram_id")
    claimed_by_other = buyer["status"] == "verified" and owner not in (None,
                                                                      request["telegram_id"])
    if claimed_by_other and not move:
        raise Refused(texts.VERIFY_CLAIMED)
    admin = update.effective_user
    student_id = request["telegram_id"]
    async with storage.db.write() as conn:
        decided = await avap.decide_request(request_id, "moved" if move else "approved",
                                            admin.id, conn=conn)
        if decided is None:
            await query.answer(texts.CARD_DONE_ALREADY, show_alert=True)
            return
        if claimed_by_other:
            await avap.revoke_student(owner, conn=conn)
            await send_later(context.services, BOT, owner, texts.MOVED_AWAY,
                             reply_markup=keyboards.no_keyboard(), conn=conn)
        student = await avap.verify(buyer_id=buyer["id"], telegram_id=student_id,
                                    username=request.get("tg_username"), conn=conn)
        await enqueue_verified(context.services, student_id, conn=conn)
        await storage.flows.save(BOT, student_id, student_id, None, {}, conn=conn)
        await send_later(context.services, BOT, student_id,
                         texts.VERIFY_APPROVED.format(name=html.escape(student["name"])),
                         reply_markup=keyboards.main_menu(), conn=conn)
        mark = texts.CARD_MOVED if move else texts.CARD_APPROVED
        await edit_later(context.services, BOT, query.message.chat_id, query.message.message_id,
                         query.message.text_html + mark.format(admin=admin_label(admin)),
                         conn=conn)
    await query.answer()


@admin_only
@on_button(cb.Reject)
async def reject(update: Update, context: BotContext, data: cb.Reject) -> None:
    """Reject a request: the student is told politely, with a way to reach support."""
    query = update.callback_query
    storage = context.services.storage
    request_id = data.request_id
    admin = update.effective_user
    async with storage.db.write() as conn:
        decided = await storage.avap.decide_request(request_id, "rejected", admin.id, conn=conn)
        if decided is None:
            await query.answer(texts.CARD_DONE_ALREADY, show_alert=True)
            return
        student_id = decided["telegram_id"]
        await storage.flows.save(BOT, student_id, student_id, None, {}, conn=conn)
        await send_later(context.services, BOT, student_id,
                         texts.VERIFY_REJECTED.format(support=texts.SUPPORT_CONTACT), conn=conn)
        await edit_later(context.services, BOT, query.message.chat_id, query.message.message_id,
                         query.message.text_html + texts.CARD_REJECTED.format(
                             admin=admin_label(admin)), conn=conn)
    await query.answer()


HANDLERS = [
    MessageHandler(VERIFY_INPUT & filters.CONTACT & in_step(STEP_IDENTIFIER), contact_received),
    MessageHandler(VERIFY_INPUT & filters.TEXT & in_step(STEP_IDENTIFIER), identifier_received),
    MessageHandler(VERIFY_INPUT & (filters.TEXT | filters.CONTACT) & in_step(STEP_WAITING),
                   waiting_message),
    *button_handlers(manual_review, approve, move_buyer, reject),
]

__all__ = ["HANDLERS", "STEP_IDENTIFIER", "STEP_WAITING", "who"]
