"""Google Sheets mirror of the support bot's tables, delivered through the outbox.

The spreadsheet ``GOOGLE_SHEET_NAME`` has one worksheet per reported table (verified_users,
submissions, wins, questions), created with a header row when missing. Column A holds our record
id: an upsert finds the row by id there (a retried delivery updates, never adds a second row).
Writes to those tables queue ``sheets.upsert`` {table, id} in their own transaction
(``AvapRepo._report``); the delivery reloads the current row from the database. Values are sent
with ``valueInputOption=RAW``: a student's "=HYPERLINK(...)" stays text, never a formula.

gspread is synchronous and heavy: it is imported on first use and runs in a worker thread.
Quotas (429) and 5xx are ``TransientError`` (the outbox retries with backoff); other 4xx are
``PermanentError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from avap_bot.storage.desk import REPORTED_TABLES, SHEETS_UPSERT
from shared.config import Settings
from shared.errors import PermanentError, PlatformError, TransientError
from shared.outbox import SERVICES

if TYPE_CHECKING:
    from shared.services import Services

log = logging.getLogger(__name__)

SHEETS_RESYNC = "sheets.resync"

# the columns of each worksheet (and of the CSV export), in order; "id" is always column A
COLUMNS: dict[str, tuple[str, ...]] = {
    "verified_users": ("id", "telegram_id", "name", "username", "email", "phone", "status",
                       "buyer_id", "created_at", "updated_at"),
    "submissions": ("id", "telegram_id", "student", "module", "attempt", "type", "content",
                    "file_id", "status", "grade", "comment", "graded_by", "graded_at",
                    "created_at", "updated_at"),
    "wins": ("id", "telegram_id", "student", "type", "content", "file_id", "status",
             "created_at"),
    "questions": ("id", "telegram_id", "student", "type", "content", "file_id", "status",
                  "answer", "answered_by", "created_at", "answered_at"),
}
assert set(COLUMNS) == set(REPORTED_TABLES)

NEW_SHEET_ROWS = 1000
WRITE_LOCK = "sheets:write"
WRITE_LOCK_TTL = 300  # seconds; longer than one rewrite of a course's tables
_UPDATED_ROW = re.compile(r"![A-Z]+(\d+)")


def configured(settings: Settings) -> bool:
    """Sheets is on when a service account is given (the sheet name has a default)."""
    secret = settings.google_service_account_json
    return secret is not None and bool(secret.get_secret_value().strip())


def service_account_info(settings: Settings) -> dict[str, Any]:
    """GOOGLE_SERVICE_ACCOUNT_JSON: the key file's JSON itself, or the path of the file."""
    if settings.google_service_account_json is None:
        raise PermanentError("GOOGLE_SERVICE_ACCOUNT_JSON is not set")
    raw = settings.google_service_account_json.get_secret_value().strip()
    if not raw.startswith("{"):
        try:
            raw = Path(raw).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise PermanentError(
                f"GOOGLE_SERVICE_ACCOUNT_JSON: cannot read the key file: {exc}") from exc
    try:
        info = json.loads(raw)
    except ValueError as exc:
        raise PermanentError("GOOGLE_SERVICE_ACCOUNT_JSON is not valid JSON") from exc
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise PermanentError("GOOGLE_SERVICE_ACCOUNT_JSON is not a service account key")
    return info


def default_client(settings: Settings) -> Any:
    """A real gspread client authorised as the service account."""
    import gspread  # heavy: only when Sheets is actually used

    client = gspread.service_account_from_dict(service_account_info(settings))
    client.http_client.set_timeout((10, 60))
    return client


def cell(value: Any) -> Any:
    """A database value as a raw cell value (text, number or boolean)."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def row_values(table: str, row: dict[str, Any]) -> list[Any]:
    return [cell(row.get(name)) for name in COLUMNS[table]]


def _range(table: str, a1: str | None = None) -> str:
    quoted = "'" + table.replace("'", "''") + "'"
    return quoted if a1 is None else f"{quoted}!{a1}"


def _classify(exc: Exception) -> PlatformError:
    """gspread / requests / google-auth failures as the outbox's transient or permanent."""
    import gspread
    import requests
    from google.auth import exceptions as auth_errors

    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, gspread.exceptions.APIError):
        status = getattr(exc.response, "status_code", None) or exc.code
        message = f"Google Sheets answered {status}: {str(exc)[:300]}"
        if status == 429 or (isinstance(status, int) and status >= 500):
            return TransientError(message)
        return PermanentError(message)
    if isinstance(exc, gspread.exceptions.SpreadsheetNotFound):
        return PermanentError("the spreadsheet was not found: create it and share it with the "
                              "service account's client_email (as an editor)")
    if isinstance(exc, requests.RequestException | auth_errors.TransportError):
        return TransientError(f"Google unreachable: {type(exc).__name__}: {exc}"[:300])
    if isinstance(exc, auth_errors.RefreshError):
        if getattr(exc, "retryable", False):
            return TransientError(f"Google sign-in failed: {exc}"[:300])
        return PermanentError(f"Google sign-in refused: {exc}"[:300])
    return TransientError(f"{type(exc).__name__}: {exc}"[:300])


class _Book:
    """The open spreadsheet and what we know of it (used from one worker thread at a time)."""

    def __init__(self, spreadsheet: Any) -> None:
        self.ss = spreadsheet
        self.ready: set[str] = set()  # worksheets known to exist
        self.rows: dict[str, dict[int, int]] = {}  # table -> record id -> row number

    def ensure(self, table: str) -> None:
        """Create the worksheet with its header when missing."""
        if table in self.ready:
            return
        titles = {ws.title for ws in self.ss.worksheets()}
        if table not in titles:
            self.ss.add_worksheet(title=table, rows=NEW_SHEET_ROWS, cols=len(COLUMNS[table]))
            self._write_row(table, 1, list(COLUMNS[table]))
            self.rows[table] = {}
        self.ready.add(table)

    def _write_row(self, table: str, number: int, values: list[Any]) -> None:
        self.ss.values_update(_range(table, f"A{number}"), params={"valueInputOption": "RAW"},
                              body={"values": [values]})

    def _read_ids(self, table: str) -> None:
        """Column A, read again: the truth about where each record's row is."""
        answer = self.ss.values_get(_range(table, "A:A"), params={
            "majorDimension": "COLUMNS", "valueRenderOption": "UNFORMATTED_VALUE"})
        column = (answer.get("values") or [[]])[0]
        if not column:
            self._write_row(table, 1, list(COLUMNS[table]))
        found: dict[int, int] = {}
        for number, value in enumerate(column, start=1):
            record = _as_id(value)
            if record is not None and record not in found:
                found[record] = number
        self.rows[table] = found

    def _cached_row(self, table: str, record: int) -> int | None:
        """The cached row of ``record`` if column A still says so there (rows may be sorted
        or deleted by hand), else None."""
        number = self.rows.get(table, {}).get(record)
        if number is None:
            return None
        answer = self.ss.values_get(_range(table, f"A{number}"),
                                    params={"valueRenderOption": "UNFORMATTED_VALUE"})
        values = answer.get("values") or [[]]
        return number if values[0] and _as_id(values[0][0]) == record else None

    def upsert(self, table: str, values: list[Any]) -> None:
        self.ensure(table)
        record = int(values[0])
        number = self._cached_row(table, record)
        if number is None:
            self._read_ids(table)
            number = self.rows[table].get(record)
        if number is not None:
            self._write_row(table, number, values)
            return
        # an append whose answer was lost is found in column A by the retry: never a second row
        self.rows[table].pop(record, None)
        answer = self.ss.values_append(_range(table, "A1"), params={
            "valueInputOption": "RAW", "insertDataOption": "OVERWRITE"},
            body={"values": [values]})
        updated = ((answer or {}).get("updates") or {}).get("updatedRange", "")
        match = _UPDATED_ROW.search(updated)
        if match:
            self.rows[table][record] = int(match.group(1))

    def rewrite(self, table: str, rows: list[list[Any]]) -> None:
        """The whole worksheet from the database: header and every row, nothing else."""
        self.ensure(table)
        self.rows.pop(table, None)
        self.ss.values_clear(_range(table))
        self.ss.values_append(_range(table, "A1"), params={
            "valueInputOption": "RAW", "insertDataOption": "OVERWRITE"},
            body={"values": [list(COLUMNS[table]), *rows]})
        self.rows[table] = {int(r[0]): n for n, r in enumerate(rows, start=2)}


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


class SheetsService:
    """Delivers ``sheets.upsert`` and ``sheets.resync`` outbox rows."""

    def __init__(self, settings: Settings, storage: Any, *,
                 client_factory: Callable[[], Any] | None = None) -> None:
        self.settings = settings
        self.storage = storage
        self._client_factory = client_factory or (lambda: default_client(settings))
        self._client: Any = None
        self._book: _Book | None = None
        # one Sheets call sequence at a time: the find-then-append of one id must not race
        self._lock = asyncio.Lock()

    def register(self, outbox: Any) -> None:
        outbox.register(SHEETS_UPSERT, self.deliver_upsert, lane=SERVICES)
        outbox.register(SHEETS_RESYNC, self.deliver_resync, lane=SERVICES)

    def _open(self) -> _Book:
        if self._book is None:
            if self._client is None:
                self._client = self._client_factory()
            self._book = _Book(self._client.open(self.settings.google_sheet_name))
        return self._book

    def _run(self, work: Callable[[_Book], None]) -> None:
        """In the worker thread: open (once), do ``work``; on failure forget what we knew."""
        try:
            work(self._open())
        except Exception as exc:  # classified for the outbox (transient or permanent)
            self._book = None
            raise _classify(exc) from exc

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        """One writer to the spreadsheet: in this process, and across instances (during a
        deploy two run side by side) through a database lock; busy means "retry later"."""
        async with self._lock:
            token = await self.storage.locks.acquire(WRITE_LOCK, WRITE_LOCK_TTL)
            if token is None:
                raise TransientError("another instance is writing to the spreadsheet")
            try:
                yield
            finally:
                await self.storage.locks.release(WRITE_LOCK, token)

    async def deliver_upsert(self, payload: dict[str, Any]) -> None:
        """One record's row, reloaded from the database and written by its id."""
        table, record = payload.get("table"), payload.get("id")
        if table not in COLUMNS or not isinstance(record, int):
            raise PermanentError(f"bad sheets.upsert payload: {payload!r}")
        rows = await self.storage.avap.report_rows(table, [record])
        if not rows:
            log.info("sheets: record gone, nothing to write", extra={"table": table,
                                                                      "id": record})
            return
        values = row_values(table, rows[0])
        async with self._exclusive():
            await asyncio.to_thread(self._run, lambda book: book.upsert(table, values))

    async def deliver_resync(self, payload: dict[str, Any]) -> None:
        """Every reported worksheet rewritten from the database."""
        tables = payload.get("tables") or list(COLUMNS)
        for table in tables:
            if table not in COLUMNS:
                raise PermanentError(f"bad sheets.resync table: {table!r}")
            rows = [row_values(table, r) for r in await self.storage.avap.report_rows(table)]
            async with self._exclusive():
                await asyncio.to_thread(self._run, lambda book, t=table, r=rows: book.rewrite(t, r))
            log.info("sheets: worksheet rewritten", extra={"table": table, "rows": len(rows)})


def install(settings: Settings, storage: Any, outbox: Any) -> SheetsService | None:
    """At start-up: when Sheets is configured, deliver its outbox rows and have the storage
    queue them with every write to a reported table."""
    if not configured(settings):
        return None
    service = SheetsService(settings, storage)
    service.register(outbox)
    storage.avap.report_to_sheets = True
    return service


async def resync(services: Services) -> bool:
    """Queue a rewrite of every worksheet from the database (for /resync_sheets and the admin
    endpoint); False when Sheets is not configured."""
    if not configured(services.settings):
        return False
    await services.outbox.enqueue(SHEETS_RESYNC, {"tables": list(COLUMNS)})
    return True


__all__ = ["COLUMNS", "SHEETS_RESYNC", "SHEETS_UPSERT", "SheetsService", "cell", "configured",
           "install", "resync", "row_values", "service_account_info"]
