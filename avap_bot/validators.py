"""Checks of what students type."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


def normalise_email(text: str) -> str | None:
    """The email in lower case, or None when ``text`` is not an email address."""
    candidate = text.strip()
    if len(candidate) > 254 or not _EMAIL.match(candidate):
        return None
    return candidate.lower()


def normalise_phone(text: str) -> str | None:
    """A phone number as + and digits, or None when ``text`` is not one."""
    candidate = text.strip()
    if not re.fullmatch(r"\+?[\d\s().-]{7,20}", candidate):
        return None
    digits = re.sub(r"\D", "", candidate)
    if not 7 <= len(digits) <= 15:
        return None
    return "+" + digits
