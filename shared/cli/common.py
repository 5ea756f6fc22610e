"""What the operator commands share: loading the settings, the secrets never to print, a plain
Bot for one command, and the operator's words for an error."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from shared.bot_package import bot_names
from shared.config import Settings, SettingsError, load_settings
from shared.errors import first_line
from shared.redact import url_passwords

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.error import TelegramError

__all__ = ["first_line", "settings_or_exit", "settings_secrets", "telegram_bot",
           "telegram_failure"]


def settings_or_exit(args: argparse.Namespace | None = None) -> Settings:
    """The settings (those ``args`` already carries, when the default command was chosen from
    them); a configuration error is printed one line per problem and exits with 2."""
    loaded = getattr(args, "settings", None)
    if loaded is not None:
        return loaded  # type: ignore[no-any-return]
    try:
        return load_settings()
    except SettingsError as exc:
        for line in str(exc).splitlines():
            print(f"configuration error: {line}", file=sys.stderr)
        raise SystemExit(2) from None


def settings_secrets(settings: Settings) -> list[str]:
    """Every value of the settings that must never be printed."""
    values: list[str] = []
    for name in bot_names():
        token = settings.bot_token(name)
        if token:
            values += [token, token.split(":", 1)[-1], settings.secret_for(name)]
    for field in settings.fields():  # every secret setting, the bots' included
        secret = getattr(settings, field.name) if field.secret else None
        if secret is not None and secret.get_secret_value().strip():
            values.append(secret.get_secret_value().strip())
    if settings.database_url is not None:
        values += url_passwords(settings.database_url.get_secret_value().strip())
    return values


def telegram_bot(settings: Settings, token: str) -> Bot:
    """A plain Bot at TELEGRAM_API_URL whose every call gives up after at most 10 seconds."""
    from telegram import Bot

    from shared.bots import bot_api_request

    api = settings.telegram_api_url.rstrip("/")
    request = bot_api_request(settings, 8, connect_timeout=5.0, read_timeout=10.0,
                              write_timeout=10.0, pool_timeout=5.0)
    return Bot(token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot", request=request)


def telegram_failure(exc: TelegramError, settings: Settings, token_variable: str) -> str:
    """What to tell the operator when the bot could not even be initialised."""
    from telegram.error import BadRequest, InvalidToken, NetworkError

    if isinstance(exc, InvalidToken):
        return (f"Telegram rejected the token: check {token_variable} "
                "(copy it again from @BotFather)")
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        return f"Telegram did not answer at {settings.telegram_api_url}: {first_line(exc)}"
    return f"Telegram answered {type(exc).__name__}: {first_line(exc)}"
