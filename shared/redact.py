"""Keeping secrets out of printed lines: a database URL with its password masked, and a redactor
that masks given secrets wherever a library quoted them (PTB puts the token in ``InvalidToken``,
a driver may quote its DSN)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for every line that names a database)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        userinfo, host = parts.netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    except ValueError:
        return "<unparsable URL>"


def url_passwords(url: str) -> list[str]:
    """The password inside ``url`` as written and percent-decoded (none when it has none), only
    to mask it."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return []
    return [password, unquote(password)] if password else []


class Redactor:
    """Replaces every given secret with ``***`` in a line of output.

    Case-insensitive: PTB lower-cases an error message after stripping "Bad Request: ", so a
    token quoted by Telegram comes back in lower case. Secrets shorter than ``min_length`` are
    left alone (masking "ab" everywhere would mangle the line and hide nothing).
    """

    def __init__(self, secrets: Iterable[str], min_length: int = 4) -> None:
        # longest first, so that a secret containing another one is replaced whole
        ordered = sorted({s for s in secrets if len(s) >= min_length}, key=len, reverse=True)
        self._pattern = (re.compile("|".join(re.escape(s) for s in ordered), re.IGNORECASE)
                         if ordered else None)

    def __call__(self, line: str) -> str:
        """``line`` with the secrets masked."""
        return self._pattern.sub("***", line) if self._pattern is not None else line
