"""TimeToShopping bot: the editorial desk of the shopping channel."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.constants import ParseMode
from telegram.ext import Application

from shared.bots import CommandMenus, add_handlers, new_application, record_error
from shared.config import Settings

if TYPE_CHECKING:
    from shared.cli.check_report import BotChecks
from shopping_bot import texts

NAME = "shopping"
TITLE = "TimeToShopping bot"
TOKEN_VARIABLE = "SHOPPING_BOT_TOKEN"
ALLOWED_UPDATES = ["message", "callback_query"]
APOLOGY = texts.APOLOGY

# handler modules, in the order their handlers are tried (access runs first, in group -1)
FEATURES = ("start", "editors", "compose", "schedule", "publishing", "analytics")


def build_application(settings: Settings, services: Any) -> Application:
    """The shopping bot's PTB application with the handlers of every feature."""
    from shopping_bot.handlers import access

    app = new_application(settings, NAME, services, parse_mode=ParseMode.HTML)
    add_handlers(app, access.HANDLERS, group=-1)
    for name in FEATURES:
        add_handlers(app, importlib.import_module(f"shopping_bot.handlers.{name}").HANDLERS)
    start = importlib.import_module("shopping_bot.handlers.start")
    add_handlers(app, getattr(start, "FALLBACK", []))  # last: only what no feature took
    app.add_error_handler(record_error)
    return app


def register_jobs(scheduler: Any, app: Application, services: Any) -> None:
    """The publisher (due posts, missed ones, interrupted publications) and the nightly folding
    of old analytics events."""
    from shopping_bot import publisher, retention

    publisher.register_jobs(scheduler, app, services)
    retention.register_jobs(scheduler, app, services)


async def on_ready(app: Application, services: Any) -> None:
    """Publish what came due while the process was asleep (within the grace)."""
    from shopping_bot import publisher

    await publisher.on_ready(app, services)


def command_menus(settings: Settings, services: Any) -> CommandMenus:
    """The editors' commands, shown only in the owners' private chats (editors added from the
    bot get theirs when they are added)."""
    commands = [BotCommand(c, d) for c, d in texts.COMMANDS]
    return [(BotCommandScopeChat(uid), commands) for uid in sorted(set(settings.authorized_users))]


def operator_checks() -> BotChecks:
    """This bot's checks for ``python -m shared check`` (imported only when the check runs; not
    named ``checks``, which importing the module ``checks`` would overwrite)."""
    from shopping_bot.checks import CHECKS

    return CHECKS
