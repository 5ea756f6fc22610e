"""AVAP Support Bot: the support desk of the course."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.constants import ParseMode
from telegram.ext import Application

from avap_bot import texts
from avap_bot.cards import CardDelivery
from avap_bot.copilot import Copilot
from shared.bots import CommandMenus, add_handlers, new_application, record_error
from shared.config import Settings

if TYPE_CHECKING:
    from shared.cli.check_report import BotChecks

NAME = "avap"
TITLE = "AVAP support bot"
TOKEN_VARIABLE = "AVAP_BOT_TOKEN"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
APOLOGY = texts.APOLOGY

# handler modules, in the order their handlers are tried
FEATURES = ("start", "verification", "buyers", "tips", "matching", "digest", "assignments",
            "grading", "questions", "copilot", "faq", "wins",
            "progress", "broadcast", "desk", "crm", "reports")


def build_application(settings: Settings, services: Any) -> Application:
    """The support bot's PTB application with the handlers of every feature."""
    app = new_application(settings, NAME, services, parse_mode=ParseMode.HTML)
    CardDelivery(app, services).register(services.outbox)
    Copilot(app, services).register(services.outbox)
    for name in FEATURES:
        add_handlers(app, importlib.import_module(f"avap_bot.handlers.{name}").HANDLERS)
    start = importlib.import_module("avap_bot.handlers.start")
    add_handlers(app, start.FALLBACK)  # last: only what no feature took
    app.add_error_handler(record_error)
    return app


def register_jobs(scheduler: Any, app: Application, services: Any) -> None:
    """Jobs of the support bot (resuming broadcasts is started in ``on_ready``): the daily tip
    and the admins' morning digest."""
    for name in ("tips", "digest"):
        importlib.import_module(f"avap_bot.handlers.{name}").register_jobs(scheduler, app, services)


async def on_ready(app: Application, services: Any) -> None:
    """Let each feature resume what a restart interrupted (a broadcast half-way)."""
    for name in FEATURES:
        resume = getattr(importlib.import_module(f"avap_bot.handlers.{name}"), "on_ready", None)
        if resume is not None:
            await resume(app, services)


def command_menus(settings: Settings, services: Any) -> CommandMenus:
    """Students' commands for everyone; the admin commands in the admin chats only."""
    everyone = [BotCommand(c, d) for c, d in texts.COMMANDS]
    menus: CommandMenus = [(BotCommandScopeDefault(), everyone)]
    admin = everyone + [BotCommand(c, d) for c, d in texts.ADMIN_COMMANDS]
    for chat_id in sorted(set(settings.admin_user_ids)):
        menus.append((BotCommandScopeChat(chat_id), admin))
    for name in settings.group_settings():
        group = services.chats.group(name)
        if group is not None:
            menus.append((BotCommandScopeChat(group), admin))
    return menus


def operator_checks() -> BotChecks:
    """This bot's checks for ``python -m shared check`` (imported only when the check runs; not
    named ``checks``, which importing the module ``checks`` would overwrite)."""
    from avap_bot.checks import CHECKS

    return CHECKS
