"""CSV files the admins open in Excel: UTF-8 with a BOM (so Armenian and other non-Latin text
shows correctly), one header row, and cells that a spreadsheet would take for a formula
neutralised with a leading apostrophe."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# a spreadsheet treats these first characters as a formula (tab and CR too, in some versions)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any, zone: ZoneInfo, *, iso: bool = False) -> Any:
    """One CSV cell: dates in ``zone`` (ISO 8601 with the offset when ``iso``), formula-like text
    neutralised; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(zone)
        return local.isoformat(timespec="seconds") if iso else local.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool | int | float):
        return value
    return neutralise(str(value))


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], zone: ZoneInfo, *,
              iso: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(name), zone, iso=iso) for name in columns])
    return out.getvalue().encode("utf-8-sig")
