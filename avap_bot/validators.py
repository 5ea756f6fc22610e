"""Checks and normal forms of what students and admins type."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


def normalise_email(text: str) -> str | None:
    """The email in lower case, or None when ``text`` is not an email address."""
    candidate = text.strip()
    if len(candidate) > 254 or not _EMAIL.match(candidate):
        return None
    return candidate.lower()


def normalise_phone(text: str, region: str | None = None) -> str | None:
    """The phone number in E.164 (+37499123456), or None when ``text`` is not a valid one.

    A number without a country code is read in ``region`` (PHONE_REGION); without a region it
    must start with + and the country code.
    """
    candidate = text.strip()
    if not re.fullmatch(r"\+?[\d\s().-]{5,24}", candidate):
        return None
    import phonenumbers  # imported on first use: its metadata is large

    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    try:
        number = phonenumbers.parse(candidate, None if candidate.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return "—"
    user, _, domain = email.partition("@")
    return f"{user[:2]}***@{domain}"


def mask_phone(phone: str | None) -> str:
    if not phone:
        return "—"
    return f"{phone[:4]}***{phone[-2:]}"
