"""What a bot package brings to the platform, and which bot packages there are.

The platform knows no bot by name. The bot packages it runs are listed in one place, the
``[tool.bots]`` table of ``pyproject.toml``; each is a Python package whose top level provides
the ``BotPackage`` interface below (``avap_bot/__init__.py`` and ``shopping_bot/__init__.py`` are
the two examples). Everything else a bot owns (its handlers, tables and repositories, web routes,
outside services, scheduled jobs, checks) is reached through that interface, and imported only
when it is used.
"""

from __future__ import annotations

import functools
import importlib
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

if TYPE_CHECKING:
    from starlette.types import ASGIApp
    from telegram import BotCommand, BotCommandScope
    from telegram.ext import Application

    from shared.cli.check_report import BotChecks
    from shared.config import Settings
    from shared.scheduler import Scheduler
    from shared.services import Services

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

CommandMenus = list[tuple["BotCommandScope", list["BotCommand"]]]


class Repository(msgspec.Struct, frozen=True):
    """One repository a bot adds to ``Storage`` (as the attribute named by its key).

    ``sql`` and ``rest`` are ``"module:Class"`` paths, imported when the storage opens: ``sql``
    for SQLite and PostgreSQL, ``rest`` for Supabase's REST API (None: the SQL class works there
    too, its statements translated to PostgREST requests). The REST class subclasses the SQL one
    and declares its twins, the public methods it overrides: ``RPC_METHODS`` (they call ``rpc``
    functions of the migrations) and ``LOCAL_METHODS`` (they compose other calls without one).
    Every other public method runs through the translator. ``tests/shared/test_rest_twins.py``
    checks that the declarations are exactly the overrides and runs every other method over the
    REST backend: a new method whose statements PostgREST cannot express fails it until it gets
    a twin.
    """

    sql: str
    rest: str | None = None
    with_outbox: bool = False  # the class takes the outbox repository (rows queued in its txns)

    def load(self, backend: str) -> type:
        path = self.rest if backend == "supabase" and self.rest else self.sql
        module, _, name = path.partition(":")
        return getattr(importlib.import_module(module), name)


class BotPackage(Protocol):
    """The interface of a bot package as the platform reads it (module-level names)."""

    NAME: str  # short name: URLs (/webhook/NAME), settings, inbox and outbox rows
    TITLE: str
    TOKEN_VARIABLE: str
    ALLOWED_UPDATES: list[str]
    APOLOGY: str  # sent when a handler fails for good
    REPOSITORIES: Mapping[str, Repository]
    TABLES: str  # the module defining its tables (on ``shared.storage.schema.metadata``)

    def build_application(self, settings: Settings, services: Services) -> Application: ...

    def command_menus(self, settings: Settings, services: Services) -> CommandMenus: ...

    def register_services(self, services: Services) -> None:
        """Outbox deliveries and clients of its outside services; called for every
        registered bot, with or without its token (a queued delivery still has to go out)."""

    def register_jobs(self, scheduler: Scheduler, app: Application,
                      services: Services) -> None: ...

    async def on_ready(self, app: Application, services: Services) -> None: ...

    def web_routes(self) -> Sequence[Any]:
        """FastAPI routers of its documented HTTP endpoints (built on the first request)."""

    def hot_routes(self, services: Services) -> Mapping[str, ASGIApp]:
        """Plain ASGI applications for GET/HEAD paths under a prefix, answered before
        FastAPI (e.g. the click redirect ``/r/``)."""

    def operator_checks(self) -> BotChecks:
        """Its lines of ``python -m shared check`` (its module imported only then)."""


@functools.cache
def registered_packages() -> tuple[str, ...]:
    """The bot packages the service runs, in order (``[tool.bots] packages``)."""
    with PYPROJECT.open("rb") as f:
        return tuple(tomllib.load(f)["tool"]["bots"]["packages"])


@functools.cache
def registered_bots() -> dict[str, BotPackage]:
    """Each registered bot package by its NAME."""
    bots: dict[str, BotPackage] = {}
    for package in registered_packages():
        module: BotPackage = importlib.import_module(package)  # type: ignore[assignment]
        bots[module.NAME] = module
    return bots


def bot_module(name: str) -> BotPackage:
    return registered_bots()[name]


def optional(bot: BotPackage, hook: str) -> Callable[..., Any] | None:
    """One of the interface's optional hooks, None when the bot does not provide it."""
    return getattr(bot, hook, None)


def bot_names() -> tuple[str, ...]:
    """The NAME of every registered bot, in the registry's order."""
    return tuple(registered_bots())
