"""Registering a bot with Telegram: its webhook and its command menus.

The one definition used by the running service (``shared.platform`` at each bot's start) and by
``python -m shared set-webhooks``, so that both register the same URL, secret, update types and
limits.
"""

from __future__ import annotations

import asyncio
from typing import NamedTuple

from telegram import Bot, BotCommand, BotCommandScope
from telegram.error import TelegramError

from shared.config import Settings

MAX_CONNECTIONS = 40  # Telegram's parallel webhook deliveries to one bot


def webhook_url(settings: Settings, name: str) -> str:
    """Where Telegram delivers bot ``name``'s updates: ``{PUBLIC_URL}/webhook/{name}``."""
    return f"{settings.public_url}/webhook/{name}"


async def register_webhook(bot: Bot, settings: Settings, name: str,
                           allowed_updates: list[str]) -> str:
    """Point bot ``name``'s webhook at this deployment, with its secret header; the URL set.

    Pending updates are kept (a restart loses nothing Telegram still holds)."""
    url = webhook_url(settings, name)
    await bot.set_webhook(
        url=url,
        secret_token=settings.secret_for(name),
        allowed_updates=allowed_updates,
        drop_pending_updates=False,
        max_connections=MAX_CONNECTIONS,
    )
    return url


class MenuFailure(NamedTuple):
    """A command menu Telegram refused (a group the bot is not in, an editor who never started
    the bot): ``python -m shared check`` says what to fix."""

    scope: BotCommandScope
    error: TelegramError

    @property
    def where(self) -> str:
        """``chat 7001`` for a chat's menu, else the scope's type (``default``)."""
        chat = getattr(self.scope, "chat_id", None)
        return f"chat {chat}" if chat is not None else self.scope.type


async def set_command_menus(bot: Bot, menus: list[tuple[BotCommandScope, list[BotCommand]]],
                            *, concurrent: bool = True) -> list[MenuFailure]:
    """Set every command menu; the ones Telegram refused, in the order of ``menus``.

    ``concurrent``: all at once, one round trip in all (at start-up, one after another held the
    bot's readiness back by a round trip per admin); else one after another (the operator's
    command, whose lines then come out the same each time).
    """
    async def one(scope: BotCommandScope, commands: list[BotCommand]) -> MenuFailure | None:
        try:
            await bot.set_my_commands(commands, scope=scope)
        except TelegramError as exc:
            return MenuFailure(scope, exc)
        return None

    if concurrent:
        results = await asyncio.gather(*(one(scope, commands) for scope, commands in menus))
    else:
        results = [await one(scope, commands) for scope, commands in menus]
    return [failure for failure in results if failure is not None]
