"""``python -m shared set-webhooks``: register each configured bot's webhook at
``{PUBLIC_URL}/webhook/{bot}`` and its command menus (the same registration as the server's at
start-up: ``shared.telegram_setup``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.bot_package import bot_names
from shared.config import Settings

if TYPE_CHECKING:
    from shared.services import ChatDirectory


def main(args: argparse.Namespace) -> int:
    from shared.cli.common import settings_or_exit

    return asyncio.run(set_webhooks(settings_or_exit()))


@dataclass
class _MenuServices:
    """What ``command_menus`` reads from the services: the settings and the chat directory."""

    settings: Settings
    chats: ChatDirectory


async def set_webhooks(settings: Settings) -> int:
    """Register each configured bot's webhook and menus.

    Prints one line per bot. Returns 0 on success, 1 when a bot failed, 2 when PUBLIC_URL (or
    every bot token) is missing.
    """
    from shared.bot_package import bot_module
    from shared.cli.common import settings_secrets
    from shared.redact import Redactor
    from shared.services import ChatDirectory

    if not settings.public_url:
        print("error: PUBLIC_URL is not set: set it to the public https:// address of the "
              "service (for example https://your-service.onrender.com) and run again",
              file=sys.stderr)
        return 2
    names = [name for name in bot_names() if settings.bot_token(name)]
    if not names:
        variables = " or ".join(bot_module(name).TOKEN_VARIABLE for name in bot_names())
        print(f"error: no bot is configured: set {variables}", file=sys.stderr)
        return 2
    redact = Redactor(settings_secrets(settings))
    services = _MenuServices(settings=settings, chats=ChatDirectory(settings))
    failed = 0
    for name in names:
        line, ok = await _set_webhook(settings, name, services)
        print(redact(line), file=sys.stdout if ok else sys.stderr, flush=True)
        failed += 0 if ok else 1
    return 1 if failed else 0


async def _set_webhook(settings: Settings, name: str, services: _MenuServices) -> tuple[str, bool]:
    """Register one bot's webhook and menus; the line to print and whether it worked."""
    from telegram.error import BadRequest, TelegramError

    from shared.bot_package import bot_module
    from shared.cli.common import first_line, telegram_bot, telegram_failure
    from shared.telegram_setup import register_webhook, set_command_menus, webhook_url

    module = bot_module(name)
    token = settings.bot_token(name)
    assert token is not None
    try:
        async with telegram_bot(settings, token) as bot:
            url = await register_webhook(bot, settings, name, module.ALLOWED_UPDATES)
            menus = module.command_menus(settings, services)
            # one after another: the same lines each time
            failures = await set_command_menus(bot, menus, concurrent=False)
    except BadRequest as exc:
        url = webhook_url(settings, name)
        return f"{name}: failed: Telegram refused the webhook {url}: {first_line(exc)}", False
    except TelegramError as exc:
        return f"{name}: failed: {telegram_failure(exc, settings, module.TOKEN_VARIABLE)}", False
    done = len(menus) - len(failures)
    if not failures:
        summary = f"{done} command menu{'' if done == 1 else 's'} set"
    else:
        errors = "; ".join(f"{f.where}: {first_line(f.error)}" for f in failures[:3])
        summary = (f"{done} of {len(menus)} command menus set ({errors}; "
                   "run `python -m shared check`)")
    return f"{name}: webhook set to {url}; {summary}", True
