"""A Telegram Bot API emulator for the sandbox and the tests (issue 15).

``Emulator`` is Telegram for any number of bots: the Bot API calls (checked against the
vendored Bot API 10.0 description in ``botapi/``), chats of every kind, files, pacing, webhook
and getUpdates delivery; the people's side (write, press, share, upload, post, block) and
events for a page to follow. ``app(emu)`` serves it over HTTP.
"""

from typing import Any

from shared.emulator.core import Call, Emulator, Violation
from shared.emulator.errors import ApiError
from shared.emulator.pacing import Pacing

__all__ = ["ApiError", "Call", "Emulator", "Pacing", "Violation", "app"]


def __getattr__(name: str) -> Any:
    """``app`` on first use: Starlette is not needed by the sandbox's in-process Bot API."""
    if name == "app":
        from shared.emulator.http import app

        return app
    raise AttributeError(name)
