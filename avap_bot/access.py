"""Who may do what: owners (ADMIN_USER_IDS), admins (added by owners), students.

Admin commands and buttons work in the admins' private chats with the bot and in the configured
admin groups; anyone else, or anywhere else, gets a short refusal and nothing changes.
"""

from __future__ import annotations

from telegram import Update

from avap_bot import texts
from shared.access import guarded_by
from shared.flows import BotContext

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


async def _admin_refusal(update: Update, context: BotContext) -> str | None:
    user = update.effective_user
    if user is None or not await is_admin(context, user.id):
        return texts.ADMINS_ONLY
    return None if in_admin_place(update, context) else texts.ADMIN_WRONG_PLACE


async def _owner_refusal(update: Update, context: BotContext) -> str | None:
    user = update.effective_user
    return None if user is not None and is_owner(context, user.id) else texts.OWNERS_ONLY


async def _student_refusal(update: Update, context: BotContext) -> str | None:
    user = update.effective_user
    if user is None or await context.services.storage.avap.verified_student(user.id) is None:
        context.flow.clear()
        return texts.STUDENTS_ONLY
    await context.services.storage.avap.touch(user.id)
    return None


# Run a handler only for an admin in a private chat or an admin group.
admin_only = guarded_by(_admin_refusal)
# Run a handler only for an owner (ADMIN_USER_IDS).
owner_only = guarded_by(_owner_refusal)
# Run a handler only for a verified student (whose activity is recorded).
student_only = guarded_by(_student_refusal)
