"""TimeToShopping bot: the editorial desk of the shopping channel."""

from __future__ import annotations

import hashlib
import importlib
from typing import TYPE_CHECKING

from shared.bot_package import CommandMenus, Repository
from shopping_bot import texts

# Light on purpose: the platform's settings are built from SETTINGS when shared.config is first
# imported, so nothing here may import shared.config (or PTB) at the top.
if TYPE_CHECKING:
    from fastapi import APIRouter
    from starlette.types import ASGIApp
    from telegram.ext import Application

    from shared.cli.check_report import BotChecks
    from shared.config import Settings
    from shared.sandbox.parts import SandboxPart
    from shared.scheduler import Scheduler
    from shared.services import Services

NAME = "shopping"
TITLE = "TimeToShopping bot"
TOKEN_VARIABLE = "SHOPPING_BOT_TOKEN"
ALLOWED_UPDATES = ["message", "callback_query"]
APOLOGY = texts.APOLOGY
SETTINGS = "shopping_bot.settings:ShoppingSettings"
TABLES = "shopping_bot.storage.tables"
REPOSITORIES = {
    "shopping": Repository("shopping_bot.storage.posts:ShoppingRepo",
                           "shopping_bot.storage.rest_posts:RestShoppingRepo"),
    "analytics": Repository("shopping_bot.storage.analytics:AnalyticsRepo",
                            "shopping_bot.storage.rest_analytics:RestAnalyticsRepo"),
}

# handler modules, in the order their handlers are tried (access runs first, in group -1)
FEATURES = ("start", "editors", "compose", "schedule", "publishing", "analytics")


def build_application(settings: Settings, services: Services) -> Application:
    """The shopping bot's PTB application with the handlers of every feature."""
    from telegram.constants import ParseMode

    from shared.bots import add_handlers, new_application, record_error
    from shopping_bot.handlers import access

    app = new_application(settings, NAME, services, parse_mode=ParseMode.HTML)
    add_handlers(app, access.HANDLERS, group=-1)
    for name in FEATURES:
        add_handlers(app, importlib.import_module(f"shopping_bot.handlers.{name}").HANDLERS)
    start = importlib.import_module("shopping_bot.handlers.start")
    add_handlers(app, getattr(start, "FALLBACK", []))  # last: only what no feature took
    app.add_error_handler(record_error)
    return app


def web_routes() -> list[APIRouter]:
    """The channel's analytics as JSON (/admin/shopping)."""
    from shopping_bot.routes import admin

    return [admin.router]


def hot_routes(services: Services) -> dict[str, ASGIApp]:
    """The CTA buttons' click redirect (``GET /r/{code}``), answered before FastAPI."""
    from shopping_bot.redirects import PREFIX, Redirector

    salt = hashlib.sha256(f"clicks:{services.settings.secret_for(NAME)}".encode()).digest()
    return {PREFIX: Redirector(services.storage, salt)}


def register_jobs(scheduler: Scheduler, app: Application, services: Services) -> None:
    """The publisher (due posts, missed ones, interrupted publications) and the nightly folding
    of old analytics events."""
    from shopping_bot import publisher, retention

    publisher.register_jobs(scheduler, app, services)
    retention.register_jobs(scheduler, app, services)


async def on_ready(app: Application, services: Services) -> None:
    """Publish what came due while the process was asleep (within the grace)."""
    from shopping_bot import publisher

    await publisher.on_ready(app, services)


def command_menus(settings: Settings, services: Services) -> CommandMenus:
    """The editors' commands, shown only in the owners' private chats (editors added from the
    bot get theirs when they are added)."""
    from telegram import BotCommand, BotCommandScopeChat

    commands = [BotCommand(c, d) for c, d in texts.COMMANDS]
    return [(BotCommandScopeChat(uid), commands) for uid in sorted(set(settings.authorized_users))]


def operator_checks() -> BotChecks:
    """This bot's checks for ``python -m shared check`` (imported only when the check runs; not
    named ``checks``, which importing the module ``checks`` would overwrite)."""
    from shopping_bot.checks import CHECKS

    return CHECKS


def sandbox() -> SandboxPart:
    """This bot in the sandbox (``python -m shared sandbox``): its chats, people and demo data."""
    from shopping_bot.sandbox import PART

    return PART
