"""Google Sheets mirror: rows upserted by id through the outbox, raw values, retries.

The real gspread client (service-account sign-in included) talks to tests/fakes/google_sheets.py
through ``responses``; the outbox worker is driven as in test_outbox.py, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from avap_bot.integrations import sheets
from shared.config import Settings, load_settings
from shared.errors import PermanentError, TransientError
from shared.outbox import OutboxWorker
from shared.storage import Storage
from tests.eventually import eventually_async
from tests.fakes.google_sheets import FakeGoogleSheets, fake_service_account
from tests.imports import heavy_imports

BOOK = "AVAP Test Book"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture(scope="module")
def account() -> dict[str, Any]:
    return fake_service_account()


def make_settings(account: dict[str, Any], **env: str) -> Settings:
    values = {"GOOGLE_SERVICE_ACCOUNT_JSON": json.dumps(account), "GOOGLE_SHEET_NAME": BOOK}
    return load_settings(_env_file=None, **{**values, **env})


@pytest.fixture
def google() -> Iterator[FakeGoogleSheets]:
    fake = FakeGoogleSheets()
    fake.add_spreadsheet(BOOK)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.install(mock)
        yield fake


async def _drain(storage: Storage, worker: OutboxWorker) -> None:
    async def settled() -> bool:
        counts = await storage.outbox.counts(1000)
        return counts["pending"] == 0

    async def delivered() -> bool:
        await worker.drain_once()  # rows retried later are claimed once their backoff ends
        return await settled()

    await eventually_async(delivered, timeout=20)


async def _course(storage: Storage) -> dict[str, int]:
    """A student, two submissions (one graded), a question answered, a win."""
    avap = storage.avap
    _, buyer = await avap.upsert_buyer(name="Անի Բարև", email="ani@example.com", phone=None,
                                       source="admin", added_by=None)
    student = await avap.verify(buyer_id=buyer, telegram_id=501, username="ani")
    sub1 = await avap.create_submission(telegram_id=501, module="1", kind="text",
                                        content=FORMULA, file_id=None, source_chat_id=501,
                                        source_message_id=1)
    sub2 = await avap.create_submission(telegram_id=501, module="2", kind="text",
                                        content="+37491000000 @home -minus", file_id=None,
                                        source_chat_id=501, source_message_id=2)
    await avap.record_grade(sub1["id"], 9, "Լավ է", 9001)
    question = await avap.create_question(telegram_id=501, kind="text", content="=1+1?",
                                          file_id=None, source_chat_id=501, source_message_id=3)
    await avap.record_answer(question["id"], "It is 2", 9001)
    win = await avap.share_win(telegram_id=501, kind="text", content="I did it!",
                               file_id=None, source_chat_id=501, source_message_id=4)
    assert win is not None
    return {"student": student["id"], "sub1": sub1["id"], "sub2": sub2["id"],
            "question": question["id"], "win": win["id"]}


def _by_id(rows: list[list[Any]]) -> dict[int, list[Any]]:
    ids = [r[0] for r in rows[1:]]
    assert len(ids) == len(set(ids)), f"duplicate rows: {ids}"
    return {int(r[0]): r for r in rows[1:]}


def _col(table: str, name: str) -> int:
    return sheets.COLUMNS[table].index(name)


async def test_every_row_once_after_google_fails_for_a_while(
        storage: Storage, google: FakeGoogleSheets, account: dict[str, Any]) -> None:
    settings = make_settings(account)
    worker = OutboxWorker(storage, instance="test", retry_base=0.01)
    assert sheets.install(settings, storage, worker) is not None
    ids = await _course(storage)
    # Google is down, then over quota, then answers but a reply is lost after the write
    google.fail_next(3, 500)
    google.fail_next(2, 429)
    google.fail_next(1, 503)
    await _drain(storage, worker)
    google.fail_next(2, 500, after_applying=True)
    google.fail_next(1, 503, after_applying=True, only=":append")  # the new win's answer lost
    await storage.avap.share_win(telegram_id=501, kind="text", content="-5 kg!", file_id=None,
                                 source_chat_id=501, source_message_id=5)
    await storage.avap.record_revision(ids["sub2"], "Please redo", 9001)
    await storage.avap.record_answer(ids["question"], "Also see lesson 3", 9001)
    await _drain(storage, worker)

    assert await storage.outbox.counts(1000) == {"pending": 0, "stuck": 0, "failed": 0}
    users = google.values("verified_users")
    assert users[0] == list(sheets.COLUMNS["verified_users"])
    assert list(_by_id(users)) == [ids["student"]]
    assert _by_id(users)[ids["student"]][_col("verified_users", "name")] == "Անի Բարև"

    subs = _by_id(google.values("submissions"))
    assert sorted(subs) == [ids["sub1"], ids["sub2"]]
    assert subs[ids["sub1"]][_col("submissions", "content")] == FORMULA  # text, not a formula
    assert subs[ids["sub1"]][_col("submissions", "grade")] == 9
    assert subs[ids["sub1"]][_col("submissions", "student")] == "Անի Բարև"
    assert subs[ids["sub2"]][_col("submissions", "status")] == "revision"

    questions = _by_id(google.values("questions"))
    assert list(questions) == [ids["question"]]
    assert questions[ids["question"]][_col("questions", "content")] == "=1+1?"
    assert questions[ids["question"]][_col("questions", "answer")] == \
        "It is 2\n\nAlso see lesson 3"
    wins = _by_id(google.values("wins"))
    assert len(wins) == 2 and ids["win"] in wins
    assert "-5 kg!" in [r[_col("wins", "content")] for r in wins.values()]
    assert len(google.calls("POST", ":append")) >= 6  # the lost append was retried as update

    writes = google.calls("PUT") + google.calls("POST", ":append")
    assert writes and {c.params["valueInputOption"] for c in writes} == {"RAW"}


async def test_nothing_is_queued_without_sheets(storage: Storage) -> None:
    await _course(storage)
    assert (await storage.outbox.counts(1000))["pending"] == 0


async def test_resync_rewrites_every_sheet(storage: Storage, google: FakeGoogleSheets,
                                           account: dict[str, Any]) -> None:
    settings = make_settings(account)
    worker = OutboxWorker(storage, instance="test", retry_base=0.01)
    sheets.install(settings, storage, worker)
    ids = await _course(storage)
    await _drain(storage, worker)
    # someone edits the sheet by hand: a duplicate, a stray row, a sorted-away header
    sheet = google.sheet("submissions")
    sheet.rows.append(list(sheet.rows[1]))
    sheet.rows.append(["junk", "x"])
    sheet.rows[0], sheet.rows[1] = sheet.rows[1], sheet.rows[0]

    class Bag:
        pass

    services = Bag()
    services.settings, services.outbox = settings, worker  # type: ignore[attr-defined]
    google.fail_next(1, 429)
    assert await sheets.resync(services) is True
    await _drain(storage, worker)
    subs = google.values("submissions")
    assert subs[0] == list(sheets.COLUMNS["submissions"])
    assert sorted(_by_id(subs)) == sorted([ids["sub1"], ids["sub2"]])
    assert len(subs) == 3
    # the row cache follows the rewrite: a later change updates in place
    await storage.avap.record_grade(ids["sub2"], 7, None, 9001, replace=True)
    await _drain(storage, worker)
    assert len(google.values("submissions")) == 3


async def test_client_errors_are_permanent_and_quota_transient(
        storage: Storage, google: FakeGoogleSheets, account: dict[str, Any]) -> None:
    settings = make_settings(account)
    service = sheets.SheetsService(settings, storage)
    storage.avap.report_to_sheets = False
    ids = await _course(storage)
    payload = {"table": "wins", "id": ids["win"]}
    for status, kind in ((429, TransientError), (500, TransientError), (503, TransientError),
                         (400, PermanentError), (403, PermanentError)):
        google.fail_next(1, status)
        with pytest.raises(kind):
            await service.deliver_upsert(payload)
    await service.deliver_upsert(payload)
    await service.deliver_upsert(payload)
    assert list(_by_id(google.values("wins"))) == [ids["win"]]
    with pytest.raises(PermanentError):
        await service.deliver_upsert({"table": "admins", "id": 1})
    missing = sheets.SheetsService(make_settings(account, GOOGLE_SHEET_NAME="Nope"), storage)
    with pytest.raises(PermanentError, match="share it"):
        await missing.deliver_upsert(payload)


def test_service_account_from_json_or_path(tmp_path: Path, account: dict[str, Any]) -> None:
    key = tmp_path / "key.json"
    key.write_text(json.dumps(account))
    assert sheets.service_account_info(make_settings(account)) == account
    by_path = load_settings(_env_file=None, GOOGLE_SERVICE_ACCOUNT_JSON=str(key))
    assert sheets.service_account_info(by_path) == account
    assert sheets.configured(by_path)
    assert not sheets.configured(load_settings(_env_file=None))
    with pytest.raises(PermanentError):
        sheets.service_account_info(load_settings(
            _env_file=None, GOOGLE_SERVICE_ACCOUNT_JSON=str(tmp_path / "missing.json")))


def test_cells_are_raw_values() -> None:
    from datetime import UTC, datetime

    assert sheets.cell(None) == ""
    assert sheets.cell(7) == 7
    assert sheets.cell(True) is True
    assert sheets.cell(datetime(2026, 11, 22, 8, 5, tzinfo=UTC)) == "2026-11-22 08:05:00"
    assert sheets.cell("=SUM(A1)") == "=SUM(A1)"


def test_start_up_does_not_import_gspread() -> None:
    assert heavy_imports(["shared.platform", "shared.server", "avap_bot",
                          "avap_bot.handlers.reports", "avap_bot.integrations.sheets"],
                         ["gspread", "google.auth"]) == []
