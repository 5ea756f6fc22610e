"""The calendar and time-picker keyboards (pure functions of the local "now")."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from shopping_bot import calendar, texts
from shopping_bot import callbacks as cb

TZ = ZoneInfo("Asia/Yerevan")
NOW = datetime(2026, 11, 23, 14, 37, tzinfo=TZ)  # a Monday


def cells(markup) -> list[list[tuple[str, str]]]:
    return [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]


def days(markup) -> dict[int, str]:
    """Day number -> callback data of the enabled day buttons."""
    out = {}
    for row in cells(markup)[2:]:
        for label, data in row:
            if label.isdigit():
                out[int(label)] = data
    return out


def test_month_past_days_blank_and_navigation() -> None:
    markup = calendar.month_keyboard(5, 2026, 11, NOW)
    rows = cells(markup)
    nav = rows[0]
    assert nav[0] == (texts.CAL_BLANK, cb.ScheduleNoop().pack())  # no going back
    assert nav[1][0] == f"{texts.MONTHS[10]} 2026"
    assert nav[2] == (texts.CAL_NEXT, cb.ScheduleMonth(5, "202612").pack())
    assert [label for label, _ in rows[1]] == list(texts.WEEKDAYS)
    enabled = days(markup)
    assert sorted(enabled) == list(range(23, 31))  # today and later
    assert enabled[23] == cb.ScheduleDay(5, "20261123").pack()
    # November 2026 starts on a Sunday: six blanks first
    assert [label for label, _ in rows[2]][:6] == [texts.CAL_BLANK] * 6
    assert all(len(row) == 7 for row in rows[1:])
    # every button's data parses and fits Telegram's 64 bytes
    for row in rows:
        for _, data in row:
            assert len(data.encode()) <= 64


def test_next_months_all_days_and_year_wrap() -> None:
    markup = calendar.month_keyboard(5, 2027, 1, NOW)
    nav = cells(markup)[0]
    assert nav[0] == (texts.CAL_PREV, cb.ScheduleMonth(5, "202612").pack())
    assert nav[2] == (texts.CAL_NEXT, cb.ScheduleMonth(5, "202702").pack())
    assert sorted(days(markup)) == list(range(1, 32))
    # a month before the current one shows the current one; the last month has no "next"
    assert cells(calendar.month_keyboard(5, 2025, 3, NOW))[0][1][0] == f"{texts.MONTHS[10]} 2026"
    last = cells(calendar.month_keyboard(5, 2027, 11, NOW))[0]
    assert last[2][1] == cb.ScheduleNoop().pack()


def test_hours_and_minutes_today_only_future() -> None:
    hours = cells(calendar.hours_keyboard(5, NOW.date(), NOW))
    flat = [c for row in hours[:-1] for c in row]
    assert len(flat) == 24
    enabled = [label for label, data in flat if data != cb.ScheduleNoop().pack()]
    assert enabled == [f"{h:02d}" for h in range(14, 24)]
    assert hours[-1] == [(texts.CAL_BACK, cb.ScheduleMonth(5, "202611").pack())]
    minutes = cells(calendar.minutes_keyboard(5, NOW.date(), 14, NOW))
    flat = [c for row in minutes[:-1] for c in row]
    enabled = [(label, data) for label, data in flat if data != cb.ScheduleNoop().pack()]
    assert [label for label, _ in enabled] == ["14:40", "14:45", "14:50", "14:55"]
    assert enabled[0][1] == cb.ScheduleAt(5, "202611231440").pack()
    assert minutes[-1] == [(texts.CAL_BACK, cb.ScheduleDay(5, "20261123").pack())]
    # another day: everything open
    tomorrow = date(2026, 11, 24)
    assert all(data != cb.ScheduleNoop().pack() for row in
               cells(calendar.hours_keyboard(5, tomorrow, NOW))[:-1] for _, data in row)
    late = datetime(2026, 11, 23, 23, 56, tzinfo=TZ)
    assert all(data == cb.ScheduleNoop().pack() for row in
               cells(calendar.minutes_keyboard(5, late.date(), 23, late))[:-1] for _, data in row)


def test_parsing_and_formatting() -> None:
    assert calendar.parse_clock("18:30") == time(18, 30)
    assert calendar.parse_clock(" 9.05 ") == time(9, 5)
    for bad in ("24:00", "12:60", "noon", "1230", "", "12:5"):
        assert calendar.parse_clock(bad) is None, bad
    assert calendar.parse_day("20261123") == date(2026, 11, 23)
    assert calendar.parse_day("20261131") is None
    assert calendar.parse_month("202612") == (2026, 12)
    assert calendar.parse_at("202611231440") == (date(2026, 11, 23), time(14, 40))
    assert calendar.parse_at("2026112314") is None
    moment = calendar.at(date(2026, 11, 23), time(14, 40), TZ)
    assert moment.utcoffset().total_seconds() == 4 * 3600
    assert calendar.is_future(moment, NOW) and not calendar.is_future(NOW, NOW)

    class S:
        channel_timezone = "Asia/Yerevan"

    assert calendar.format_local(moment.astimezone(ZoneInfo("UTC")), S()) == "23.11.2026 14:40"
    assert calendar.format_local(None, S()) == texts.NO_TIME
