"""The domain exceptions of the platform; bots add their own under ``BotError``."""

from __future__ import annotations


class PlatformError(Exception):
    """Base of every error this project raises on purpose."""


class StorageUnavailable(PlatformError):
    """The database did not answer; the operation may be retried."""


class TransientError(PlatformError):
    """A failure that is expected to pass (a network error, a 5xx, a 429)."""


class PermanentError(PlatformError):
    """A failure that retrying cannot fix (a 4xx other than 429, invalid data)."""


class BotError(PlatformError):
    """A failure inside a bot's handler that the user should hear about in plain words."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class MigrationError(PlatformError):
    """The schema cannot be brought up to date."""


class Deferred(PlatformError):
    """Not now: deliver this again in ``seconds`` (its chat is at Telegram's pace). Not a
    failure: the outbox puts the row back without counting an attempt."""

    def __init__(self, seconds: float, reason: str = "") -> None:
        super().__init__(reason or f"deferred by {seconds:.1f} s")
        self.seconds = seconds


class CopyRefused(PlatformError):
    """``copy-data`` cannot start (bad URL, same database twice, wrong schema version)."""


class CopyFailed(PlatformError):
    """``copy-data`` stopped part-way; the message names the table."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (or its type), at most 300 characters: what an
    operator's command prints about a failure."""
    message = getattr(exc, "message", None) or str(exc)
    lines = [line for line in str(message).strip().splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]
