"""AVAP Support Bot: the support desk of the course."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.ext import Application

from avap_bot import texts
from shared.bots import CommandMenus, add_handlers, new_application, record_error
from shared.config import Settings

NAME = "avap"
TITLE = "AVAP support bot"
TOKEN_VARIABLE = "AVAP_BOT_TOKEN"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
APOLOGY = texts.APOLOGY


def build_application(settings: Settings, services: Any) -> Application:
    """The support bot's PTB application with its handlers."""
    from avap_bot.handlers import start

    app = new_application(settings, NAME, services)
    add_handlers(app, start.HANDLERS)
    add_handlers(app, start.FALLBACK)  # last in the group: only when nothing else matched
    app.add_error_handler(record_error)
    return app


def command_menus(settings: Settings, services: Any) -> CommandMenus:
    """Students' commands for everyone; the admin commands in the admin chats only."""
    everyone = [BotCommand(c, d) for c, d in texts.COMMANDS]
    menus: CommandMenus = [(BotCommandScopeDefault(), everyone)]
    if texts.ADMIN_COMMANDS:
        admin = everyone + [BotCommand(c, d) for c, d in texts.ADMIN_COMMANDS]
        for chat_id in sorted(set(settings.admin_user_ids)):
            menus.append((BotCommandScopeChat(chat_id), admin))
        for name in settings.group_settings():
            group = services.chats.group(name)
            if group is not None:
                menus.append((BotCommandScopeChat(group), admin))
    return menus
