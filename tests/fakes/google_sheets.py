"""A fake of the Google endpoints gspread 6 uses, on ``responses`` (requests is mocked in-process).

Served: the OAuth token endpoint (service-account JWT grant), Drive v3 ``files`` list (open by
name), Sheets v4 ``spreadsheets/{id}`` (metadata), ``:batchUpdate`` (addSheet,
updateSheetProperties), ``values/{range}`` GET and PUT, ``values/{range}:append`` and
``:clear``. Sheet contents live in memory as lists of rows. ``fail_next(n, status)`` makes the
next n API calls fail (500, 503, 429...); every call is recorded in ``requests`` with its query
parameters, so tests can check ``valueInputOption``.

URLs as in gspread/urls.py and gspread/http_client.py (ranges are percent-quoted in the path).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import responses

TOKEN_URL = "https://oauth2.googleapis.com/token"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
ACCESS_TOKEN = "fake-access-token"


def fake_service_account(token_uri: str = TOKEN_URL) -> dict[str, Any]:
    """A service-account key with a freshly generated RSA key (google-auth signs with it)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "fake-project",
            "private_key_id": "fake-key-id", "private_key": pem,
            "client_email": "bot@fake-project.iam.gserviceaccount.com",
            "client_id": "1234567890", "token_uri": token_uri}


@dataclass
class Sheet:
    sheet_id: int
    title: str
    row_count: int
    column_count: int
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    body: Any


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def parse_range(a1: str) -> tuple[str, tuple[int | None, int | None, int | None, int | None]]:
    """"'title'!A5:K5" -> (title, (row1, col1, row2, col2)); None means open-ended."""
    if a1.startswith("'"):
        i, title = 1, ""
        while True:
            if a1[i] == "'" and a1[i + 1:i + 2] == "'":
                title, i = title + "'", i + 2
            elif a1[i] == "'":
                i += 1
                break
            else:
                title, i = title + a1[i], i + 1
        rest = a1[i:]
    else:
        title, _, rest = a1.partition("!")
        rest = "!" + rest if rest else ""
    if not rest:
        return title, (None, None, None, None)
    cells = rest.lstrip("!").split(":")

    def one(ref: str) -> tuple[int | None, int | None]:
        m = re.fullmatch(r"([A-Z]*)(\d*)", ref)
        assert m, ref
        return (int(m.group(2)) if m.group(2) else None,
                _col_number(m.group(1)) if m.group(1) else None)

    r1, c1 = one(cells[0])
    r2, c2 = one(cells[1]) if len(cells) > 1 else (r1, c1)
    return title, (r1, c1, r2, c2)


class FakeGoogleSheets:
    """In-memory spreadsheets behind the real Google URLs."""

    def __init__(self) -> None:
        self.spreadsheets: dict[str, dict[str, Any]] = {}  # id -> {"title", "sheets"}
        self.requests: list[Recorded] = []
        self._failures: list[tuple[int, bool, str]] = []
        self._lock = threading.Lock()
        self._next_sheet_id = 100

    # --- test controls ------------------------------------------------------------------------
    def add_spreadsheet(self, title: str) -> str:
        sid = f"ss{len(self.spreadsheets) + 1}"
        self.spreadsheets[sid] = {"title": title, "sheets": {
            "Sheet1": Sheet(0, "Sheet1", 1000, 26)}}
        return sid

    def fail_next(self, n: int, status: int = 500, *, after_applying: bool = False,
                  only: str = "") -> None:
        """The next ``n`` API calls (not the token endpoint) answer ``status``; with
        ``after_applying`` the call takes effect first (an answer lost on the way back); with
        ``only``, just calls whose path contains it (e.g. ":append") fail."""
        with self._lock:
            self._failures.extend([(status, after_applying, only)] * n)

    def sheet(self, title: str, spreadsheet: str | None = None) -> Sheet:
        sid = spreadsheet or next(iter(self.spreadsheets))
        return self.spreadsheets[sid]["sheets"][title]

    def values(self, title: str, spreadsheet: str | None = None) -> list[list[Any]]:
        """The worksheet's rows, trailing empty cells and rows trimmed."""
        rows = [list(r) for r in self.sheet(title, spreadsheet).rows]
        for r in rows:
            while r and r[-1] in ("", None):
                r.pop()
        while rows and not rows[-1]:
            rows.pop()
        return rows

    def calls(self, method: str | None = None, contains: str = "") -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method)
                and contains in r.path]

    def install(self, mock: responses.RequestsMock) -> None:
        """Register every endpoint on an active ``responses`` mock."""
        mock.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        mock.add_callback(responses.GET, re.compile(re.escape(DRIVE_FILES) + r"(\?.*)?$"),
                          callback=self._api(self._files))
        mock.add_callback(responses.GET, re.compile(re.escape(SHEETS) + r"/[^/:?]+(\?.*)?$"),
                          callback=self._api(self._metadata))
        mock.add_callback(responses.POST, re.compile(re.escape(SHEETS) + r"/[^/]+:batchUpdate"),
                          callback=self._api(self._batch_update))
        mock.add_callback(responses.POST,
                          re.compile(re.escape(SHEETS) + r"/[^/]+/values/[^/?]+:append"),
                          callback=self._api(self._append))
        mock.add_callback(responses.POST,
                          re.compile(re.escape(SHEETS) + r"/[^/]+/values/[^/?]+:clear"),
                          callback=self._api(self._clear))
        mock.add_callback(responses.GET, re.compile(re.escape(SHEETS) + r"/[^/]+/values/[^/?]+"),
                          callback=self._api(self._get))
        mock.add_callback(responses.PUT, re.compile(re.escape(SHEETS) + r"/[^/]+/values/[^/?]+"),
                          callback=self._api(self._update))

    # --- plumbing -------------------------------------------------------------------------------
    @staticmethod
    def _json(status: int, body: Any) -> tuple[int, dict[str, str], str]:
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    def _error(self, status: int, message: str) -> tuple[int, dict[str, str], str]:
        reason = {429: "RESOURCE_EXHAUSTED", 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED",
                  404: "NOT_FOUND"}.get(status, "INTERNAL")
        return self._json(status, {"error": {"code": status, "message": message,
                                             "status": reason}})

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        form = parse_qs(body or "")
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"] or \
                not form.get("assertion"):
            return self._json(400, {"error": "invalid_grant"})
        return self._json(200, {"access_token": ACCESS_TOKEN, "expires_in": 3600,
                                "token_type": "Bearer"})

    def _api(self, handler: Any) -> Any:
        def callback(request: Any) -> tuple[int, dict[str, str], str]:
            parts = urlsplit(request.url)
            params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            body = json.loads(request.body) if request.body else None
            with self._lock:
                self.requests.append(Recorded(request.method, parts.path, params, body))
                if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                    return self._error(401, "Request had invalid authentication credentials.")
                if self._failures and self._failures[0][2] in parts.path:
                    status, after, _only = self._failures.pop(0)
                    if after:
                        handler(parts.path, params, body)
                    return self._error(status, "Quota exceeded" if status == 429
                                       else "Internal error encountered.")
                return handler(parts.path, params, body)
        return callback

    def _book(self, path: str) -> dict[str, Any] | None:
        sid = path.split("/v4/spreadsheets/", 1)[1].split("/", 1)[0].split(":", 1)[0]
        return self.spreadsheets.get(sid)

    def _range_of(self, path: str) -> tuple[Sheet | None, tuple]:
        book = self._book(path)
        raw = unquote(path.split("/values/", 1)[1].rsplit(":", 1)[0]
                      if path.endswith((":append", ":clear")) else path.split("/values/", 1)[1])
        title, box = parse_range(raw)
        if book is None:
            return None, box
        return book["sheets"].get(title), box

    # --- Drive ----------------------------------------------------------------------------------
    def _files(self, path: str, params: dict[str, str], body: Any) -> Any:
        m = re.search(r'name = "([^"]*)"', params.get("q", ""))
        files = [{"id": sid, "name": b["title"], "createdTime": "2026-01-01T00:00:00.000Z",
                  "modifiedTime": "2026-01-01T00:00:00.000Z"}
                 for sid, b in self.spreadsheets.items() if m is None or b["title"] == m.group(1)]
        return self._json(200, {"kind": "drive#fileList", "files": files})

    # --- Sheets ---------------------------------------------------------------------------------
    @staticmethod
    def _props(s: Sheet, index: int) -> dict[str, Any]:
        return {"sheetId": s.sheet_id, "title": s.title, "index": index, "sheetType": "GRID",
                "gridProperties": {"rowCount": s.row_count, "columnCount": s.column_count}}

    def _metadata(self, path: str, params: dict[str, str], body: Any) -> Any:
        book = self._book(path)
        if book is None:
            return self._error(404, "Requested entity was not found.")
        sid = path.rsplit("/", 1)[1]
        return self._json(200, {"spreadsheetId": sid, "properties": {"title": book["title"]},
                                "sheets": [{"properties": self._props(s, i)} for i, s in
                                           enumerate(book["sheets"].values())]})

    def _batch_update(self, path: str, params: dict[str, str], body: Any) -> Any:
        book = self._book(path)
        if book is None:
            return self._error(404, "Requested entity was not found.")
        replies: list[dict[str, Any]] = []
        for req in body.get("requests", []):
            if "addSheet" in req:
                props = req["addSheet"]["properties"]
                if props["title"] in book["sheets"]:
                    return self._error(400, f"A sheet with the name \"{props['title']}\" "
                                            "already exists.")
                grid = props.get("gridProperties", {})
                self._next_sheet_id += 1
                s = Sheet(self._next_sheet_id, props["title"], grid.get("rowCount", 1000),
                          grid.get("columnCount", 26))
                book["sheets"][s.title] = s
                replies.append({"addSheet": {"properties": self._props(
                    s, len(book["sheets"]) - 1)}})
            elif "updateSheetProperties" in req:
                props = req["updateSheetProperties"]["properties"]
                for s in book["sheets"].values():
                    if s.sheet_id == props["sheetId"]:
                        grid = props.get("gridProperties", {})
                        s.row_count = grid.get("rowCount", s.row_count)
                        s.column_count = grid.get("columnCount", s.column_count)
                replies.append({})
            else:
                return self._error(400, f"unsupported request in this fake: {list(req)}")
        return self._json(200, {"spreadsheetId": path.rsplit("/", 1)[1].split(":")[0],
                                "replies": replies})

    def _get(self, path: str, params: dict[str, str], body: Any) -> Any:
        sheet, (r1, c1, r2, c2) = self._range_of(path)
        if sheet is None:
            return self._error(400, "Unable to parse range")
        r1, c1 = r1 or 1, c1 or 1
        r2 = r2 or max(len(sheet.rows), 1)
        c2 = c2 or max((len(r) for r in sheet.rows), default=1)
        block = [[(row[c - 1] if c - 1 < len(row) else "") for c in range(c1, c2 + 1)]
                 for row in (sheet.rows[r - 1] if r - 1 < len(sheet.rows) else []
                             for r in range(r1, r2 + 1))]
        if params.get("majorDimension") == "COLUMNS":
            block = [list(col) for col in zip(*block, strict=False)] if block else []
        for line in block:
            while line and line[-1] in ("", None):
                line.pop()
        while block and not block[-1]:
            block.pop()
        answer: dict[str, Any] = {"range": unquote(path.split("/values/", 1)[1]),
                                  "majorDimension": params.get("majorDimension", "ROWS")}
        if block:
            answer["values"] = block
        return self._json(200, answer)

    def _write(self, sheet: Sheet, top: int, left: int, values: list[list[Any]]) -> str:
        bottom = top + len(values) - 1
        right = left + max((len(v) for v in values), default=1) - 1
        while len(sheet.rows) < bottom:
            sheet.rows.append([])
        for i, line in enumerate(values):
            row = sheet.rows[top - 1 + i]
            while len(row) < left - 1 + len(line):
                row.append("")
            for j, value in enumerate(line):
                row[left - 1 + j] = value
        return f"'{sheet.title}'!{_col_letters(left)}{top}:{_col_letters(right)}{bottom}"

    def _check_input(self, params: dict[str, str]) -> Any:
        if params.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            return self._error(400, "Invalid valueInputOption")
        return None

    def _update(self, path: str, params: dict[str, str], body: Any) -> Any:
        sheet, (r1, c1, _r2, _c2) = self._range_of(path)
        if sheet is None:
            return self._error(400, "Unable to parse range")
        if (bad := self._check_input(params)) is not None:
            return bad
        values = body.get("values", [])
        top, left = r1 or 1, c1 or 1
        if top + len(values) - 1 > sheet.row_count or \
                left + max((len(v) for v in values), default=1) - 1 > sheet.column_count:
            return self._error(400, f"Range exceeds grid limits. Max rows: {sheet.row_count}, "
                                    f"max columns: {sheet.column_count}")
        updated = self._write(sheet, top, left, values)
        return self._json(200, {"updatedRange": updated, "updatedRows": len(values)})

    def _append(self, path: str, params: dict[str, str], body: Any) -> Any:
        sheet, _box = self._range_of(path)
        if sheet is None:
            return self._error(400, "Unable to parse range")
        if (bad := self._check_input(params)) is not None:
            return bad
        values = body.get("values", [])
        last = 0
        for number, row in enumerate(sheet.rows, start=1):
            if any(v not in ("", None) for v in row):
                last = number
        top = last + 1
        sheet.row_count = max(sheet.row_count, top + len(values) - 1)
        sheet.column_count = max(sheet.column_count, max((len(v) for v in values), default=1))
        updated = self._write(sheet, top, 1, values)
        return self._json(200, {"updates": {"updatedRange": updated,
                                            "updatedRows": len(values)}})

    def _clear(self, path: str, params: dict[str, str], body: Any) -> Any:
        sheet, (r1, _c1, r2, _c2) = self._range_of(path)
        if sheet is None:
            return self._error(400, "Unable to parse range")
        if r1 is None:
            sheet.rows = []
        else:
            for r in range(r1, (r2 or len(sheet.rows)) + 1):
                if r - 1 < len(sheet.rows):
                    sheet.rows[r - 1] = []
        return self._json(200, {"clearedRange": unquote(path.split("/values/", 1)[1])})


__all__ = ["ACCESS_TOKEN", "FakeGoogleSheets", "fake_service_account", "parse_range"]
