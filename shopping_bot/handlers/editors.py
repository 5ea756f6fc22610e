"""Owners manage the editors from the bot: /editors, /addeditor <id>, /removeeditor <id>.

The owners are AUTHORIZED_USERS (the settings, changed only by a redeploy); the editors they
add are ``users.is_authorized`` in the database, checked by the access guard on every update,
so a change takes effect at the next update, on every instance. An editor added gets the
editors' command menu in their private chat (Telegram refuses it until they have opened the
bot: the owner is told to have them press Start, and /start installs it then) and no message.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import CommandHandler

from shared.access import Refused, loads
from shared.callbacks import button_handlers, on_button
from shared.flows import BotContext
from shared.telegram import is_message_not_modified
from shopping_bot import callbacks as cb
from shopping_bot import texts
from shopping_bot.filters import PRIVATE
from shopping_bot.handlers.access import is_owner, owner_only, refusal_key

log = logging.getLogger(__name__)

OWNER_COMMANDS = frozenset({"editors", "addeditor", "removeeditor"})
_USER_ID = re.compile(r"\d{1,15}")  # Telegram user ids are positive and below 2**52
BUTTON_NAME = 24  # characters of a name on a remove button


def editor_commands() -> list[BotCommand]:
    """The command menu of an editor added from the bot: every command but the owners'."""
    return [BotCommand(c, d) for c, d in texts.COMMANDS if c not in OWNER_COMMANDS]


async def install_menu(bot: Bot, user_id: int) -> bool:
    """Set the editors' command menu in ``user_id``'s private chat; False when Telegram refuses
    (they never opened the bot, or blocked it)."""
    try:
        await bot.set_my_commands(editor_commands(), scope=BotCommandScopeChat(user_id))
    except (BadRequest, Forbidden) as exc:
        log.info("editor's command menu not set", extra={"user_id": user_id,
                                                         "error": exc.message})
        return False
    return True


async def _remove_menu(bot: Bot, user_id: int) -> None:
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
    except (BadRequest, Forbidden) as exc:
        log.info("editor's command menu not removed", extra={"user_id": user_id,
                                                             "error": exc.message})


def _user_id(args: list[str] | None) -> int | None:
    """The one numeric id argument of /addeditor or /removeeditor."""
    if not args or len(args) != 1 or not _USER_ID.fullmatch(args[0]) or int(args[0]) == 0:
        return None
    return int(args[0])


def _plain_name(row: dict[str, Any] | None) -> str:
    """"First Last (@username)" as typed in Telegram, unescaped; "" when unknown."""
    if row is None:
        return ""
    name = " ".join(p for p in (row.get("first_name"), row.get("last_name")) if p)
    if row.get("username"):
        name = f"{name} (@{row['username']})" if name else f"@{row['username']}"
    return name


def _when(moment: datetime | None, settings: Any) -> str:
    if moment is None:
        return texts.EDITORS_NEVER
    return moment.astimezone(ZoneInfo(settings.channel_timezone)).strftime("%d.%m.%Y %H:%M")


def _row_text(user_id: int, row: dict[str, Any] | None, settings: Any) -> str:
    return texts.EDITORS_ROW.format(
        name=html.escape(_plain_name(row) or texts.EDITOR_NO_NAME), id=user_id,
        last=_when(row.get("last_activity") if row else None, settings))


async def editors_view(context: BotContext) -> tuple[str, InlineKeyboardMarkup | None]:
    """The /editors message: owners, then the editors added from the bot with remove buttons."""
    settings = context.services.settings
    owners = sorted(set(settings.authorized_users))
    users = {int(r["telegram_id"]): r for r in
             await context.services.storage.shopping.list_users()}
    lines = [texts.EDITORS_HEAD, "", texts.EDITORS_OWNERS]
    lines += [_row_text(uid, users.get(uid), settings) for uid in owners]
    lines += ["", texts.EDITORS_ADDED]
    added = [r for uid, r in users.items() if r["is_authorized"] and uid not in owners]
    rows = []
    for row in added:  # most recently active first (list_users' order)
        uid = int(row["telegram_id"])
        lines.append(_row_text(uid, row, settings))
        name = (_plain_name(row) or str(uid))[:BUTTON_NAME]
        rows.append([InlineKeyboardButton(texts.BTN_REMOVE_EDITOR.format(name=name),
                                          callback_data=cb.RemoveEditor(uid).pack())])
    if not added:
        lines.append(texts.EDITORS_NONE)
    lines += ["", texts.EDITORS_FOOTER]
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


async def _take_away(context: BotContext, user_id: int, by: int) -> bool:
    """Remove an editor added from the bot; False when they were not one."""
    if not await context.services.storage.shopping.set_editor(user_id, False):
        return False
    log.info("editor removed", extra={"user_id": user_id, "by": by})
    # they hear the refusal at their next message, even if they were refused as a stranger
    # before being added
    await context.services.storage.cooldowns.clear(refusal_key(user_id))
    await _remove_menu(context.bot, user_id)
    return True


@owner_only
async def list_editors(update: Update, context: BotContext) -> None:
    """/editors: the owners and the editors, each editor with a remove button."""
    text, markup = await editors_view(context)
    await update.effective_message.reply_text(text, reply_markup=markup)


def _named_editor(usage: str) -> Callable[[Update, BotContext], Awaitable[int]]:
    """A loader for ``loads``: the user id the command names, when it is not an owner's
    (refused with ``usage``, or with why an owner cannot be changed here)."""

    async def load(update: Update, context: BotContext) -> int:
        user_id = _user_id(context.args)
        if user_id is None:
            raise Refused(usage)
        if is_owner(context, user_id):
            raise Refused(texts.EDITOR_IS_OWNER.format(id=user_id))
        return user_id

    return load


@owner_only
@loads(_named_editor(texts.ADDEDITOR_USAGE))
async def add_editor(update: Update, context: BotContext, user_id: int) -> None:
    """/addeditor <id>: give the editor right to a Telegram user id."""
    if not await context.services.storage.shopping.set_editor(user_id, True):
        raise Refused(texts.EDITOR_ALREADY.format(id=user_id))
    log.info("editor added", extra={"user_id": user_id, "by": update.effective_user.id})
    done = await install_menu(context.bot, user_id)
    await update.effective_message.reply_text(
        (texts.EDITOR_ADDED if done else texts.EDITOR_ADDED_NO_CHAT).format(id=user_id))


@owner_only
@loads(_named_editor(texts.REMOVEEDITOR_USAGE))
async def remove_editor(update: Update, context: BotContext, user_id: int) -> None:
    """/removeeditor <id>: take the editor right away (owners are changed in the settings)."""
    if not await _take_away(context, user_id, update.effective_user.id):
        raise Refused(texts.EDITOR_NOT_FOUND.format(id=user_id))
    await update.effective_message.reply_text(texts.EDITOR_REMOVED.format(id=user_id))


@owner_only
@on_button(cb.RemoveEditor)
async def remove_button(update: Update, context: BotContext, data: cb.RemoveEditor) -> None:
    """The remove button of /editors: remove, then show the list as it is now."""
    query = update.callback_query
    if is_owner(context, data.telegram_id):
        raise Refused(texts.STALE_BUTTON, alert=False)
    if not await _take_away(context, data.telegram_id, update.effective_user.id):
        await query.answer(texts.STALE_BUTTON)  # removed already (a double click, another owner)
    else:
        await query.answer(texts.EDITOR_REMOVED_ALERT)
    text, markup = await editors_view(context)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if not is_message_not_modified(exc):  # else: the list shown is the current one
            raise


HANDLERS = [
    CommandHandler("editors", list_editors, filters=PRIVATE),
    CommandHandler("addeditor", add_editor, filters=PRIVATE),
    CommandHandler("removeeditor", remove_editor, filters=PRIVATE),
    *button_handlers(remove_button),
]
