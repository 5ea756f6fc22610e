"""Picking a publication time: a month calendar, then the hours, then the minutes (steps of 5).

Pure functions: the keyboards are computed from the local "now" in CHANNEL_TIMEZONE, which the
caller passes, so that they are tested without a clock or Telegram. Past days, hours and minutes
are shown as blanks that do nothing (``ScheduleNoop``). Times travel in callback data as local
wall-clock strings (YYYYMMDD, YYYYMMDDHHMM) and are turned into aware datetimes with ``at``.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import re
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from shopping_bot import callbacks as cb
from shopping_bot import texts

MINUTE_STEP = 5
MONTHS_AHEAD = 12  # how far the calendar lets an editor page forward
HOURS_PER_ROW = 6
MINUTES_PER_ROW = 6
_CLOCK = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


# --- time zone helpers ------------------------------------------------------------------------
def zone(settings: Any) -> ZoneInfo:
    return ZoneInfo(settings.channel_timezone)


def local_now(settings: Any) -> datetime:
    """Now, aware, in CHANNEL_TIMEZONE."""
    return datetime.now(zone(settings))


def format_local(moment: datetime | None, settings: Any) -> str:
    """A stored (UTC) moment as the editors read it: "23.11.2026 14:30" in the zone."""
    if moment is None:
        return texts.NO_TIME
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(settings)).strftime("%d.%m.%Y %H:%M")


def format_day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


# --- callback values --------------------------------------------------------------------------
def day_code(day: date) -> str:
    return day.strftime("%Y%m%d")


def month_code(year: int, month: int) -> str:
    return f"{year:04d}{month:02d}"


def _parse(raw: str, pattern: str, digits: int) -> datetime | None:
    """``raw`` read with ``pattern``, or None. Every digit must be there: strptime alone accepts
    "1" for %m or %H, and callback values are written in full."""
    if not (isinstance(raw, str) and len(raw) == digits and raw.isascii() and raw.isdigit()):
        return None
    try:
        return datetime.strptime(raw, pattern)
    except ValueError:
        return None


def parse_day(raw: str) -> date | None:
    parsed = _parse(raw, "%Y%m%d", 8)
    return parsed.date() if parsed else None


def parse_month(raw: str) -> tuple[int, int] | None:
    parsed = _parse(raw, "%Y%m", 6)
    return (parsed.year, parsed.month) if parsed else None


def parse_at(raw: str) -> tuple[date, time] | None:
    """"202611231430" -> (2026-11-23, 14:30)."""
    parsed = _parse(raw, "%Y%m%d%H%M", 12)
    return (parsed.date(), parsed.time()) if parsed else None


def parse_clock(text: str) -> time | None:
    """What an editor types: "18:30", "9:05" (or "18.30"); None when it is not a time."""
    m = _CLOCK.match(text or "")
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The aware moment of a local day and wall-clock time."""
    return datetime.combine(day, clock, tzinfo=tz)


# --- keyboards --------------------------------------------------------------------------------
def _button(label: str, data: cb.CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


def _blank(label: str = texts.CAL_BLANK) -> InlineKeyboardButton:
    return _button(label, cb.ScheduleNoop())


def _shift(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def month_keyboard(post_id: int, year: int, month: int, now: datetime) -> InlineKeyboardMarkup:
    """The calendar of ``month``: navigation (not before the current month, at most
    MONTHS_AHEAD after it), weekday names (Monday first), the days (past ones blank)."""
    today = now.date()
    current = (today.year, today.month)
    last = _shift(today.year, today.month, MONTHS_AHEAD)
    year, month = min(max((year, month), current), last)
    prev, nxt = _shift(year, month, -1), _shift(year, month, 1)
    nav = [
        _button(texts.CAL_PREV, cb.ScheduleMonth(post_id, month_code(*prev)))
        if (year, month) > current else _blank(),
        _blank(f"{texts.MONTHS[month - 1]} {year}"),
        _button(texts.CAL_NEXT, cb.ScheduleMonth(post_id, month_code(*nxt)))
        if (year, month) < last else _blank(),
    ]
    rows = [nav, [_blank(name) for name in texts.WEEKDAYS]]
    for week in stdlib_calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        row = []
        for number in week:
            if number == 0 or date(year, month, number) < today:
                row.append(_blank())
            else:
                row.append(_button(str(number),
                                   cb.ScheduleDay(post_id, day_code(date(year, month, number)))))
        rows.append(row)
    return InlineKeyboardMarkup(rows)


def _open_minutes(day: date, hour: int, now: datetime) -> list[int]:
    """The minutes (steps of MINUTE_STEP) of ``hour`` on ``day`` still in the future."""
    minutes = range(0, 60, MINUTE_STEP)
    if day > now.date():
        return list(minutes)
    if day < now.date() or hour < now.hour:
        return []
    if hour > now.hour:
        return list(minutes)
    return [m for m in minutes if m > now.minute]


def hours_keyboard(post_id: int, day: date, now: datetime) -> InlineKeyboardMarkup:
    """The 24 hours of ``day`` (those with no future minute left are blank), and a way back to
    the calendar."""
    cells = [
        _button(f"{hour:02d}", cb.ScheduleHour(post_id, day_code(day), hour))
        if _open_minutes(day, hour, now) else _blank()
        for hour in range(24)
    ]
    rows = [cells[i:i + HOURS_PER_ROW] for i in range(0, 24, HOURS_PER_ROW)]
    rows.append([_button(texts.CAL_BACK, cb.ScheduleMonth(post_id, month_code(day.year,
                                                                               day.month)))])
    return InlineKeyboardMarkup(rows)


def minutes_keyboard(post_id: int, day: date, hour: int, now: datetime) -> InlineKeyboardMarkup:
    """HH:00, HH:05 ... HH:55 (past ones blank), and a way back to the hours."""
    open_minutes = set(_open_minutes(day, hour, now))
    cells = []
    for minute in range(0, 60, MINUTE_STEP):
        moment = datetime.combine(day, time(hour, minute))
        cells.append(_button(f"{hour:02d}:{minute:02d}",
                             cb.ScheduleAt(post_id, moment.strftime("%Y%m%d%H%M")))
                     if minute in open_minutes else _blank())
    rows = [cells[i:i + MINUTES_PER_ROW] for i in range(0, len(cells), MINUTES_PER_ROW)]
    rows.append([_button(texts.CAL_BACK, cb.ScheduleDay(post_id, day_code(day)))])
    return InlineKeyboardMarkup(rows)


def is_future(moment: datetime, now: datetime) -> bool:
    """Whether ``moment`` is still ahead (a minute that has begun is past)."""
    return moment > now


__all__ = ["at", "day_code", "format_day", "format_local", "hours_keyboard", "is_future",
           "local_now", "minutes_keyboard", "month_code", "month_keyboard", "parse_at",
           "parse_clock", "parse_day", "parse_month", "zone"]
