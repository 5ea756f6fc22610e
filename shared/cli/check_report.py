"""What a check of ``python -m shared check`` is given and how it reports: the API of the
platform's checks and of the checks each bot package brings (its module ``checks``).

A check prints lines through a ``CheckReport``, such as ``OK    storage: sqlite (./data/bot.db)
answers``; every line goes through a redactor, so that no token, key or database password is
ever printed, even when a library puts one in its error message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from shared.config import Settings
from shared.errors import first_line
from shared.redact import Redactor

if TYPE_CHECKING:
    import httpx
    from telegram import Bot

Status = Literal["OK", "WARN", "FAIL", "SKIP"]
HTTP_TIMEOUT = 5.0  # seconds, for each call to an outside service

__all__ = ["HTTP_TIMEOUT", "BotChecks", "CheckReport", "ServiceCheck", "Status", "TelegramCheck",
           "first_line", "http_failure", "http_get"]


class CheckReport:
    """The lines of ``check`` and their tally."""

    def __init__(self, redact: Redactor) -> None:
        self._redact = redact
        self.counts: dict[Status, int] = {"OK": 0, "WARN": 0, "FAIL": 0, "SKIP": 0}

    def line(self, status: Status, name: str, message: str) -> None:
        """Print one line such as ``OK    storage: sqlite (./data/bot.db) answers``."""
        self.counts[status] += 1
        print(self._redact(f"{status:<6}{name}: {message}"), flush=True)

    def summary(self) -> str:
        """The last line: ``N ok, N warnings, N failed``."""
        c = self.counts
        return f"{c['OK']} ok, {c['WARN']} warnings, {c['FAIL']} failed"


# a check that asks Telegram through the bot's own Bot (which answered getMe)
TelegramCheck = Callable[[Settings, CheckReport, "Bot"], Awaitable[None]]
# a check of the settings or of an outside service; runs whether the bot is on or not
ServiceCheck = Callable[[Settings, CheckReport], Awaitable[None]]


def _no_chats(settings: Settings) -> list[str]:
    return []


@dataclass(frozen=True)
class BotChecks:
    """What one bot adds to ``python -m shared check`` (its package's ``operator_checks()``,
    which imports its module ``checks`` only then).

    ``telegram`` run, in order, right after the bot's own lines (getMe, its webhook);
    ``chats(settings)`` names the settings those checks read, for the line saying they were not
    checked when the bot did not answer. ``services`` run after every bot's Telegram checks, by
    label (the label names a check that failed unexpectedly).
    """

    telegram: Sequence[TelegramCheck] = ()
    chats: Callable[[Settings], list[str]] = _no_chats
    services: Mapping[str, ServiceCheck] = field(default_factory=dict)


async def http_get(url: str, headers: dict[str, str]) -> httpx.Response:
    """One GET with the check's timeout."""
    import httpx

    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as client:
        return await client.get(url, headers=headers)


def http_failure(exc: httpx.HTTPError, base: str) -> str:
    """Why an outside service could not be reached."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return f"no answer from {base} within {HTTP_TIMEOUT:g} s"
    return f"cannot reach {base}: {type(exc).__name__}: {first_line(exc)}"
