"""The value types of settings, each with its parsing and its one-line error: used by the
platform's ``Settings`` (``shared/config.py``) and by each bot's settings (``<bot>/settings.py``).

This module imports nothing of the project but the settings' machinery
(``shared/settings_base.py``): a bot's settings module can use it before the platform's settings
are built from it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import msgspec

from shared.settings_base import Parse


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
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long
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


DURATION = re.compile(r"(?:(\d+) days?, )?(\d+):(\d\d)(?::(\d\d(?:\.\d+)?))?")


def duration(value: object) -> object:
    """Seconds ("21600"), "6h" / "90m" / "1d", [D day(s), ]HH:MM[:SS[.ffffff]], or ISO 8601
    ("PT6H")."""
    if not isinstance(value, str):
        return value
    raw = value.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        if raw.isdigit():
            return timedelta(seconds=int(raw))
        if raw[:-1].isdigit() and raw[-1:] in units:
            return timedelta(seconds=int(raw[:-1]) * units[raw[-1]])
        if m := DURATION.fullmatch(raw):
            days, hours, minutes, seconds = m.groups()
            return timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes),
                             seconds=float(seconds or 0))
        if raw.startswith("p"):
            return msgspec.convert(raw.upper(), timedelta)
    except (OverflowError, msgspec.ValidationError):
        pass
    raise ValueError("expected a duration such as 6h, 90m, 3600 (seconds) or 01:30:00")


def flag(value: object) -> object:
    """Any non-empty value but 0, false and no means yes (Render sets RENDER=true)."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no")
    return value


IdList = Annotated[list[int], Parse(split_ids)]
HttpUrl = Annotated[str, Parse(http_url)]
OptionalHttpUrl = Annotated[str | None, Parse(http_url)]
TimeZoneName = Annotated[str, Parse(time_zone)]
TimeOfDay = Annotated[str, Parse(time_of_day)]
Duration = Annotated[timedelta, Parse(duration)]
Flag = Annotated[bool, Parse(flag)]
