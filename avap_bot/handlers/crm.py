"""Systeme.io for the admins: /sync_buyers pulls the contacts tagged as buyers into the pending
list (the webhooks do it one sale at a time; this catches up on anything they missed)."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.ext import CommandHandler

from avap_bot import texts
from avap_bot.access import admin_only
from avap_bot.filters import NEW
from avap_bot.integrations.systeme import SystemeClient, person_of
from avap_bot.validators import normalise_email, normalise_phone
from shared.errors import PlatformError
from shared.flows import BotContext

log = logging.getLogger(__name__)


def _client(context: BotContext) -> SystemeClient:
    services = context.services
    return services.client(SystemeClient, lambda: SystemeClient(services.settings))


@admin_only
async def sync_buyers(update: Update, context: BotContext) -> None:
    """/sync_buyers: add or update every Systeme.io contact with SYSTEME_BUYER_TAG."""
    settings = context.services.settings
    client = _client(context)
    message = update.effective_message
    if not client.enabled:
        await message.reply_text(texts.SYNC_NOT_CONFIGURED)
        return
    tag_name = (settings.systeme_buyer_tag or "").strip()
    if not tag_name:
        await message.reply_text(texts.SYNC_NO_BUYER_TAG)
        return
    avap = context.services.storage.avap
    counts = {"added": 0, "updated": 0, "unchanged": 0, "no_email": 0}
    try:
        tag_id = await client.find_tag(tag_name)
        if tag_id is None:
            await message.reply_text(texts.SYNC_NO_SUCH_TAG.format(tag=html.escape(tag_name)))
            return
        await message.reply_text(texts.SYNC_STARTED.format(tag=html.escape(tag_name)))
        async for contact in client.contacts_with_tag(tag_id):
            person = person_of({"data": {"contact": contact}})
            email = normalise_email(person["email"] or "")
            if email is None:
                counts["no_email"] += 1
                continue
            phone = normalise_phone(person["phone"], settings.phone_region) \
                if person["phone"] else None
            name = (person["name"] or email.split("@")[0])[:200]
            existing = await avap.find_buyer(email=email)
            if existing is not None and existing["name"] == name and (
                    phone is None or existing.get("phone") == phone):
                counts["unchanged"] += 1
                continue
            action, _ = await avap.upsert_buyer(name=name, email=email, phone=phone,
                                                source="systeme",
                                                added_by=update.effective_user.id)
            counts[action] += 1
    except PlatformError as exc:
        log.warning("sync_buyers failed", extra={"error": str(exc)[:300]})
        await message.reply_text(texts.SYNC_FAILED.format(error=html.escape(str(exc)[:200])))
        return
    await message.reply_text(texts.SYNC_DONE.format(
        added=counts["added"], updated=counts["updated"],
        skipped=counts["unchanged"] + counts["no_email"], unchanged=counts["unchanged"],
        no_email=counts["no_email"]))


HANDLERS = [
    CommandHandler("sync_buyers", sync_buyers, filters=NEW),
]
