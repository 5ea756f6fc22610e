"""TimeToShopping bot: the editorial desk of the shopping channel."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.ext import Application

from shared.bots import CommandMenus, add_handlers, new_application, record_error
from shared.config import Settings
from shopping_bot import texts

NAME = "shopping"
TITLE = "TimeToShopping bot"
TOKEN_VARIABLE = "SHOPPING_BOT_TOKEN"
ALLOWED_UPDATES = ["message", "callback_query"]
APOLOGY = texts.APOLOGY


def build_application(settings: Settings, services: Any) -> Application:
    """The shopping bot's PTB application with its handlers."""
    from shopping_bot.handlers import access, start

    app = new_application(settings, NAME, services)
    add_handlers(app, access.HANDLERS, group=-1)
    add_handlers(app, start.HANDLERS)
    app.add_error_handler(record_error)
    return app


def command_menus(settings: Settings, services: Any) -> CommandMenus:
    """The editors' commands, shown only in the editors' private chats."""
    commands = [BotCommand(c, d) for c, d in texts.COMMANDS]
    return [(BotCommandScopeChat(uid), commands) for uid in sorted(set(settings.authorized_users))]
