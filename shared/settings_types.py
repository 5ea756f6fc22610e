"""The value types of settings, each with its parsing and its one-line error: used by the
platform's ``Settings`` (``shared/config.py``) and by each bot's settings (``<bot>/settings.py``).

This module imports nothing of the project: a bot's settings module can use it before the
platform's settings are built from it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_settings import NoDecode


def split_ids(value: object) -> object:
    """Accept "1, 2,3" (the usual form in a dashboard) as well as a list."""
    if value is None:
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",")]
        try:
            return [int(p) for p in parts if p]
        except ValueError:
            raise ValueError(
                "expected numeric Telegram ids separated by commas, e.g. 12345,67890") from None
    return value


def http_url(value: object) -> object:
    """An http(s) URL without its trailing slash; empty means not set."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
    return value


def time_zone(value: object) -> object:
    """An IANA time zone name."""
    if isinstance(value, str):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone such as Europe/Paris") from exc
    return value


def time_of_day(value: object) -> object:
    """HH:MM, normalised to two-digit hours."""
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
            raise ValueError("expected a time of day as HH:MM, e.g. 09:00")
        return f"{int(m.group(1)):02d}:{m.group(2)}"
    return value


def duration(value: object) -> object:
    """Seconds ("21600"), "6h" / "90m", or HH:MM:SS."""
    if isinstance(value, str):
        raw = value.strip().lower()
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        if raw.isdigit():
            return timedelta(seconds=int(raw))
        if raw[:-1].isdigit() and raw[-1:] in units:
            return timedelta(seconds=int(raw[:-1]) * units[raw[-1]])
        if raw.count(":") == 2 and len(raw.split(":")[0]) == 1:
            return "0" + raw
    return value


IdList = Annotated[list[int], NoDecode, BeforeValidator(split_ids)]
HttpUrl = Annotated[str, BeforeValidator(http_url)]
OptionalHttpUrl = Annotated[str | None, BeforeValidator(http_url)]
TimeZoneName = Annotated[str, BeforeValidator(time_zone)]
TimeOfDay = Annotated[str, BeforeValidator(time_of_day)]
Duration = Annotated[timedelta, BeforeValidator(duration)]
