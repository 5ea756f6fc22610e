"""``POST /webhook/systeme``: Systeme.io's signed webhooks feed the buyers' pending list.

Checks, in order: a secret configured (else 404), the ``X-Webhook-Signature`` (hex HMAC-SHA256
of the raw body, compared in constant time; else 401), a JSON object (else 400). Each
``X-Webhook-Message-Id`` is processed once: it is recorded in the transaction of the change it
causes. SALE_NEW of one of SYSTEME_PRODUCT_IDS (no sale at all while the list is empty: the
operators are alerted once a day, so that another product's buyers never get in) and
CONTACT_TAG_ADDED of SYSTEME_BUYER_TAG add or update the buyer (source "systeme");
SALE_CANCELED tells the admins in the verification group. Other events: 200, ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from avap_bot.integrations.systeme import person_of, product_ids_of, tag_name_of

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024

router = APIRouter(tags=["systeme"])

NO_PRODUCTS_ALERT = ("Systeme.io sent a sale, but SYSTEME_PRODUCT_IDS is not set, so no sale "
                     "adds a buyer (a sale of another product must not open the course). Set it "
                     "to the course's product ids; meanwhile /sync_buyers or /addstudent add "
                     "buyers.")

SALE_NEW = "SALE_NEW"
SALE_CANCELED = "SALE_CANCELED"
CONTACT_TAG_ADDED = "CONTACT_TAG_ADDED"


def _answer(status: int, **body: Any) -> JSONResponse:
    return JSONResponse({"ok": status < 400, **body}, status_code=status)


def signature_of(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 Systeme.io sends in ``X-Webhook-Signature``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _valid_signature(secret: str, body: bytes, given: str) -> bool:
    given = given.strip().lower().removeprefix("sha256=")
    return hmac.compare_digest(given.encode(), signature_of(secret, body).encode())


@router.post("/webhook/systeme", responses={
    200: {"description": "processed, a repeated message, or an event this service ignores"},
    400: {"description": "not a JSON object"},
    401: {"description": "wrong or missing X-Webhook-Signature"},
    404: {"description": "SYSTEME_WEBHOOK_SECRET is not configured"}})
async def systeme_webhook(request: Request) -> JSONResponse:
    """Receive one signed Systeme.io webhook (SALE_NEW, SALE_CANCELED, CONTACT_TAG_ADDED)."""
    platform = request.app.state.platform
    settings = platform.settings
    secret = settings.systeme_webhook_secret.get_secret_value().strip() \
        if settings.systeme_webhook_secret is not None else ""
    if not secret:
        return _answer(404, error="Systeme.io webhooks are not configured")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return _answer(400, error="body too large")
    body = await request.body()
    if len(body) > MAX_BODY:
        return _answer(400, error="body too large")
    if not _valid_signature(secret, body, request.headers.get("x-webhook-signature", "")):
        return _answer(401, error="wrong signature")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _answer(400, error="malformed JSON")
    if not isinstance(payload, dict):
        return _answer(400, error="expected a JSON object")
    event = (request.headers.get("x-webhook-event") or str(payload.get("type") or "")
             ).strip().upper()
    # without a message id, an identical body re-sent is still recognised
    message_id = (request.headers.get("x-webhook-message-id") or "").strip() or \
        "sha256:" + hashlib.sha256(body).hexdigest()
    outcome = await process_event(platform, event, message_id, payload)
    log.info("systeme webhook", extra={"event": event, "outcome": outcome})
    return _answer(200, event=event, outcome=outcome)


async def process_event(platform: Any, event: str, message_id: str,
                        payload: dict[str, Any]) -> str:
    """Apply one webhook message once; returns what happened (for the log and the answer)."""
    from avap_bot.validators import normalise_email, normalise_phone

    settings = platform.settings
    storage = platform.storage
    person = person_of(payload)
    email = normalise_email(person["email"] or "")
    phone = normalise_phone(person["phone"], settings.phone_region) if person["phone"] else None
    async with storage.db.write() as conn:
        if not await storage.crm.claim_message(message_id, event or "?", conn=conn):
            return "duplicate"
        outcome = "ignored"
        alert: str | None = None
        if event == SALE_NEW:
            wanted = set(settings.systeme_product_ids)
            if not wanted:
                outcome = "SYSTEME_PRODUCT_IDS not set"
                alert = NO_PRODUCTS_ALERT
            elif not (product_ids_of(payload) & wanted):
                outcome = "other product"
            else:
                outcome = await _add_buyer(storage, person, email, phone, conn)
        elif event == CONTACT_TAG_ADDED:
            tag = tag_name_of(payload)
            buyer_tag = (settings.systeme_buyer_tag or "").strip().lower()
            if buyer_tag and tag is not None and tag.lower() == buyer_tag:
                outcome = await _add_buyer(storage, person, email, phone, conn)
            else:
                outcome = "other tag"
        elif event == SALE_CANCELED:
            wanted = set(settings.systeme_product_ids)
            if wanted and not (product_ids_of(payload) & wanted):
                outcome = "other product"
            else:
                outcome = "cancel flagged"
                alert = await _flag_cancel(platform, person, email, phone, conn)
        await storage.crm.set_outcome(message_id, outcome, conn=conn)
    if alert is NO_PRODUCTS_ALERT:
        await platform.alerts.send("systeme-no-products", alert, cooldown_seconds=86400)
    elif alert is not None:
        # after the commit: the alerts use transactions of their own
        await platform.alerts.send(f"systeme-cancel:{message_id}", alert)
    return outcome


async def _add_buyer(storage: Any, person: dict[str, Any], email: str | None,
                     phone: str | None, conn: Any) -> str:
    if email is None and phone is None:
        return "no email"
    name = (person["name"] or (email or phone or "").split("@")[0])[:200]
    action, _ = await storage.avap.upsert_buyer(name=name, email=email, phone=phone,
                                                source="systeme", added_by=None, conn=conn)
    return action


async def _flag_cancel(platform: Any, person: dict[str, Any], email: str | None,
                       phone: str | None, conn: Any) -> str | None:
    """Tell the admins in the verification group, in the caller's transaction; without that
    group, return the text for the alerts. The admins decide whether to revoke."""
    from avap_bot import texts
    from avap_bot.validators import mask_email, mask_phone
    from shared.telegram_outbox import send_later

    storage = platform.storage
    buyer = await storage.avap.find_buyer(email=email, phone=phone) if (email or phone) else None
    student = buyer.get("telegram_id") if buyer else None
    text = texts.SYSTEME_SALE_CANCELED.format(
        name=html.escape(person["name"] or (buyer or {}).get("name") or "—"),
        email=mask_email(email), phone=mask_phone(phone),
        status=texts.SYSTEME_CANCEL_STUDENT.format(tg_id=student) if student else (
            texts.SYSTEME_CANCEL_PENDING if buyer else texts.SYSTEME_CANCEL_UNKNOWN))
    group = platform.services.chats.group("VERIFICATION_GROUP_ID")
    if group is not None and "avap" in platform.runtimes:
        await send_later(platform.services, "avap", group, text, conn=conn)
        return None
    return text
