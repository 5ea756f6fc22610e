"""Who may do what: owners (ADMIN_USER_IDS), admins (added by owners), students.

Admin commands and buttons work in the admins' private chats with the bot and in the configured
admin groups; anyone else, or anywhere else, gets a short refusal and nothing changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from avap_bot import texts
from shared.flows import BotContext

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Awaitable[Any]]

ADMIN_GROUPS = ("VERIFICATION_GROUP_ID", "ASSIGNMENT_GROUP_ID", "QUESTIONS_GROUP_ID",
                "SUPPORT_GROUP_ID")


def is_owner(context: BotContext, user_id: int) -> bool:
    return user_id in context.services.settings.admin_user_ids


async def is_admin(context: BotContext, user_id: int) -> bool:
    if is_owner(context, user_id):
        return True
    return user_id in await context.services.storage.avap.admin_ids()


def admin_chat_ids(context: BotContext) -> set[int]:
    chats = context.services.chats
    return {cid for name in ADMIN_GROUPS if (cid := chats.group(name)) is not None}


def in_admin_place(update: Update, context: BotContext) -> bool:
    chat = update.effective_chat
    return chat is not None and (chat.type == "private" or chat.id in admin_chat_ids(context))


async def refuse(update: Update, text: str) -> None:
    """Say no in one line: an alert on a button, a reply to a command."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


def admin_only(handler: Handler) -> Handler:
    """Run ``handler`` only for an admin in a private chat or an admin group."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> Any:
        user = update.effective_user
        if user is None or not await is_admin(context, user.id):
            log.info("refused an admin action to a non-admin",
                     extra={"user_id": user.id if user else None, "handler": handler.__name__})
            await refuse(update, texts.ADMINS_ONLY)
            return None
        if not in_admin_place(update, context):
            await refuse(update, texts.ADMIN_WRONG_PLACE)
            return None
        return await handler(update, context)

    return guarded


def owner_only(handler: Handler) -> Handler:
    """Run ``handler`` only for an owner (ADMIN_USER_IDS), in a private chat."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> Any:
        user = update.effective_user
        if user is None or not is_owner(context, user.id):
            await refuse(update, texts.OWNERS_ONLY)
            return None
        return await handler(update, context)

    return guarded


def student_only(handler: Handler) -> Handler:
    """Run ``handler`` only for a verified student (in a private chat)."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> Any:
        user = update.effective_user
        if user is None:
            return None
        student = await context.services.storage.avap.verified_student(user.id)
        if student is None:
            context.flow.clear()
            await refuse(update, texts.STUDENTS_ONLY)
            return None
        await context.services.storage.avap.touch(user.id)
        return await handler(update, context)

    return guarded
