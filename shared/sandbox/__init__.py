"""The sandbox: both bots against the Bot API emulator in the process, tried in a browser.

``python -m shared`` starts it when nothing is configured (no bot token, no ``PUBLIC_URL``, not
on Render); ``python -m shared sandbox`` starts it explicitly (still never with those set). It
keeps its own database (``DATA_DIR/sandbox.db``) and listens on 127.0.0.1 unless told otherwise.
Behind the emulator everything is the real server: inbox, handlers, flows, outbox, scheduler,
storage (and OpenAI when ``OPENAI_API_KEY`` is set).

This module stays light: ``python -m shared`` imports it to decide, and the rest
(``shared.sandbox.run``) only in sandbox mode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.config import Settings


def refusal(settings: Settings) -> str | None:
    """Why the sandbox must not start with these settings (a real deployment), or None."""
    from shared.bot_package import registered_bots

    for name, bot in registered_bots().items():
        if settings.bot_token(name) is not None:
            return f"{bot.TOKEN_VARIABLE} is set"
    if settings.public_url:
        return "PUBLIC_URL is set"
    if settings.render:
        return "RENDER is set"
    return None


def should_start(settings: Settings) -> bool:
    """True when ``python -m shared`` (no command) opens the sandbox: no bot token, no
    ``PUBLIC_URL``, not on Render."""
    return refusal(settings) is None
