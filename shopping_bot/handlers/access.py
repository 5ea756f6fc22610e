"""Only authorised users may use the bot; everyone else hears one polite refusal.

Authorised are the *owners* (AUTHORIZED_USERS, from the settings) and the *editors* the owners
added from the bot (``users.is_authorized``, read from the database on every update, so that a
change is seen at once, also by a second instance). Editors may do everything but manage editors
(``owner_only``). The guard runs before every feature (group -1): it stops an update from anyone
else (logged with the id and username, never the text) and records the activity of everyone it
lets through (``users.last_activity``).
"""

from __future__ import annotations

import contextvars
import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from shared.access import guarded_by
from shared.flows import BotContext
from shopping_bot import texts

log = logging.getLogger(__name__)

REFUSAL_COOLDOWN = 86400  # one refusal message a day per stranger, not one per message

# the user the guard let through for the update being handled (None: nobody)
_admitted: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "shopping_admitted", default=None)


def refusal_key(user_id: int) -> str:
    """The cooldown that keeps a stranger's refusals to one a day (cleared when an editor is
    removed, so that they hear it at once)."""
    return f"shopping:refused:{user_id}"


def is_owner(context: BotContext, user_id: int) -> bool:
    """An owner: listed in AUTHORIZED_USERS."""
    return user_id in context.services.settings.authorized_users


async def is_authorized(context: BotContext, user_id: int) -> bool:
    """An owner, or an editor added from the bot (one indexed query)."""
    if is_owner(context, user_id):
        return True
    row = await context.services.storage.shopping.get_user(user_id)
    return row is not None and bool(row["is_authorized"])


def is_editor(context: BotContext, user_id: int) -> bool:
    """Whether ``user_id`` may use the bot, for a handler running after the guard: an owner,
    or the editor the guard let through for this very update."""
    return is_owner(context, user_id) or _admitted.get() == user_id


async def _owner_refusal(update: Update, context: BotContext) -> str | None:
    user = update.effective_user
    return None if user is not None and is_owner(context, user.id) else texts.OWNERS_ONLY


# Run a handler only for an owner; an editor is told that only owners can.
owner_only = guarded_by(_owner_refusal)


async def guard(update: Update, context: BotContext) -> None:
    """Stop every update from someone who is not authorised (logged without their text);
    record the activity of everyone else."""
    _admitted.set(None)
    user = update.effective_user
    if user is None:
        # no sender (not expected with message/callback_query updates): nothing to authorise
        raise ApplicationHandlerStop
    if await is_authorized(context, user.id):
        _admitted.set(user.id)
        await context.services.storage.shopping.touch_user(
            user.id, user.username, user.first_name, user.last_name)
        return
    log.info("refused a user who is not an editor",
             extra={"user_id": user.id, "username": user.username or "-"})
    if context.flow.active:
        context.flow.clear()  # an editor removed in the middle of a flow leaves it
    chat = update.effective_chat
    if update.callback_query is not None:
        await update.callback_query.answer(texts.NOT_AUTHORIZED, show_alert=True)
    elif chat is not None and chat.type == "private" and update.effective_message is not None:
        cooldowns = context.services.storage.cooldowns
        if await cooldowns.start_if_inactive(refusal_key(user.id), REFUSAL_COOLDOWN):
            await update.effective_message.reply_text(texts.NOT_AUTHORIZED)
    raise ApplicationHandlerStop


HANDLERS = [TypeHandler(Update, guard)]
