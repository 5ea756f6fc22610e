"""AVAP Support Bot: the support desk of the course."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from avap_bot import texts
from shared.bot_package import CommandMenus, Repository

# Light on purpose: the platform's settings are built from SETTINGS when shared.config is first
# imported, so nothing here may import shared.config (or PTB) at the top.
if TYPE_CHECKING:
    from fastapi import APIRouter
    from telegram.ext import Application

    from shared.cli.check_report import BotChecks
    from shared.config import Settings
    from shared.sandbox.parts import SandboxPart
    from shared.scheduler import Scheduler
    from shared.services import Services

NAME = "avap"
TITLE = "AVAP support bot"
TOKEN_VARIABLE = "AVAP_BOT_TOKEN"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
APOLOGY = texts.APOLOGY
SETTINGS = "avap_bot.settings:AvapSettings"
TABLES = "avap_bot.storage.tables"
REPOSITORIES = {
    "avap": Repository("avap_bot.storage.desk:AvapRepo",
                       "avap_bot.storage.rest_desk:RestAvapRepo", with_outbox=True),
    "engagement": Repository("avap_bot.storage.engagement:EngagementRepo",
                             "avap_bot.storage.rest_engagement:RestEngagementRepo"),
    "crm": Repository("avap_bot.storage.crm:CrmRepo"),
    "copilot": Repository("avap_bot.storage.copilot:CopilotRepo",
                          "avap_bot.storage.rest_copilot:RestCopilotRepo"),
}

# handler modules, in the order their handlers are tried
FEATURES = ("start", "verification", "buyers", "tips", "matching", "digest", "assignments",
            "grading", "questions", "copilot", "faq", "wins",
            "progress", "broadcast", "desk", "crm", "reports")


def build_application(settings: Settings, services: Services) -> Application:
    """The support bot's PTB application with the handlers of every feature."""
    from telegram.constants import ParseMode

    from avap_bot.cards import CardDelivery
    from avap_bot.copilot import Copilot
    from shared.bots import add_handlers, new_application, record_error

    app = new_application(settings, NAME, services, parse_mode=ParseMode.HTML)
    CardDelivery(app, services).register(services.outbox)
    Copilot(app, services).register(services.outbox)
    for name in FEATURES:
        add_handlers(app, importlib.import_module(f"avap_bot.handlers.{name}").HANDLERS)
    start = importlib.import_module("avap_bot.handlers.start")
    add_handlers(app, start.FALLBACK)  # last: only what no feature took
    app.add_error_handler(record_error)
    return app


def register_services(services: Services) -> None:
    """Systeme.io's deliveries (tags) and client, and Google Sheets' when it is configured
    (gspread itself loads on the first delivery)."""
    from avap_bot.integrations import sheets
    from avap_bot.integrations.systeme import register_systeme

    sheets.install(services.settings, services.storage, services.outbox)
    register_systeme(services)


def web_routes() -> list[APIRouter]:
    """Systeme.io's webhook and the course's /admin endpoints."""
    from avap_bot.routes import admin, systeme

    return [systeme.router, admin.router]


def register_jobs(scheduler: Scheduler, app: Application, services: Services) -> None:
    """Jobs of the support bot (resuming broadcasts is started in ``on_ready``): the daily tip
    and the admins' morning digest."""
    for name in ("tips", "digest"):
        importlib.import_module(f"avap_bot.handlers.{name}").register_jobs(scheduler, app, services)


async def on_ready(app: Application, services: Services) -> None:
    """Let each feature resume what a restart interrupted (a broadcast half-way)."""
    for name in FEATURES:
        resume = getattr(importlib.import_module(f"avap_bot.handlers.{name}"), "on_ready", None)
        if resume is not None:
            await resume(app, services)


def command_menus(settings: Settings, services: Services) -> CommandMenus:
    """Students' commands for everyone; the admin commands in the admin chats only."""
    from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

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


def sandbox() -> SandboxPart:
    """This bot in the sandbox (``python -m shared sandbox``): its chats, people and demo data."""
    from avap_bot.sandbox import PART

    return PART
