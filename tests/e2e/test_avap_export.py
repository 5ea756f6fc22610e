"""/export end to end: CSV documents (UTF-8 with BOM, Armenian intact, formula cells
neutralised) sent to an admin; refused to anyone else. /resync_sheets without Sheets."""

from __future__ import annotations

import csv
import io

import pytest

from avap_bot import texts
from tests.e2e.avap import ADMIN_ID, Chat, add_verified_student, avap_server, db, student_chat
from tests.e2e.conftest import AVAP_TOKEN
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

ANI, BOB = 811, 812
ARMENIAN = "Բարև Անի Ավետիսյան"


def _documents(fake: FakeTelegram) -> dict[str, bytes]:
    return {name: content for method, _field, name, content in fake.uploads
            if method == "sendDocument"}


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_export_sends_three_safe_csv_files(fake_telegram: FakeTelegram, make_server) -> None:
    srv = avap_server(make_server)
    add_verified_student(srv, ANI, ARMENIAN, "ani@example.com")
    add_verified_student(srv, BOB, "=cmd|' /C calc'!A0", "bob@example.com")
    with db(srv) as conn:
        conn.execute(
            "INSERT INTO submissions (telegram_id, module, type, content, status, grade, "
            "attempt, created_at, updated_at) VALUES (?, '1', 'text', ?, 'graded', 9, 1, "
            "'2026-11-20 10:00:00', '2026-11-20 10:00:00')",
            (ANI, '=HYPERLINK("http://evil.example","click")'))
        conn.execute(
            "INSERT INTO submissions (telegram_id, module, type, content, status, attempt, "
            "created_at, updated_at) VALUES (?, '2', 'text', ?, 'submitted', 1, "
            "'2026-11-21 10:00:00', '2026-11-21 10:00:00')", (BOB, "Իմ աշխատանքը"))
        for content in ("+374 91 000000", "-1 or @me?", "Ինչպե՞ս, Բարև"):
            conn.execute(
                "INSERT INTO questions (telegram_id, type, content, status, answered, "
                "created_at) VALUES (?, 'text', ?, 'open', 0, '2026-11-21 11:00:00')",
                (ANI, content))

    admin = Chat(fake_telegram, srv, ADMIN_ID)
    admin.send("/export")
    fake_telegram.wait_for(lambda: len(_documents(fake_telegram)) == 3, timeout=20)
    docs = _documents(fake_telegram)
    names = sorted(docs)
    assert [n.split("_")[0] for n in names] == ["questions", "students", "submissions"]
    assert all(n.endswith(".csv") and len(n.split("_")[1]) == len("2026-11-22.csv")
               for n in names)
    calls = fake_telegram.calls_of("sendDocument", AVAP_TOKEN)
    assert {int(c.params["chat_id"]) for c in calls} == {ADMIN_ID}

    for content in docs.values():
        assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
        content.decode("utf-8")

    students = _rows(docs[next(n for n in names if n.startswith("students"))])
    header = students[0]
    assert header[:3] == ["id", "telegram_id", "name"]
    by_tg = {r[1]: r for r in students[1:]}
    assert by_tg[str(ANI)][2] == ARMENIAN
    assert by_tg[str(BOB)][2] == "'=cmd|' /C calc'!A0"

    submissions = _rows(docs[next(n for n in names if n.startswith("submissions"))])
    content_col = submissions[0].index("content")
    student_col = submissions[0].index("student")
    contents = {r[content_col] for r in submissions[1:]}
    assert contents == {"'=HYPERLINK(\"http://evil.example\",\"click\")", "Իմ աշխատանքը"}
    assert {r[student_col] for r in submissions[1:]} == {ARMENIAN, "'=cmd|' /C calc'!A0"}

    questions = _rows(docs[next(n for n in names if n.startswith("questions"))])
    q_col = questions[0].index("content")
    assert sorted(r[q_col] for r in questions[1:]) == sorted(
        ["'+374 91 000000", "'-1 or @me?", "Ինչպե՞ս, Բարև"])
    admin.wait_texts(1)
    assert any("Export ready" in t for t in admin.texts())


def test_export_and_resync_refused_to_non_admins(fake_telegram: FakeTelegram,
                                                 make_server) -> None:
    srv = avap_server(make_server)
    student = student_chat(fake_telegram, srv, ANI, ARMENIAN)
    student.send("/export")
    student.send("/resync_sheets")
    texts_seen = student.wait_texts(2)
    assert texts_seen[-2:] == [texts.ADMINS_ONLY, texts.ADMINS_ONLY]
    assert _documents(fake_telegram) == {}
    assert fake_telegram.calls_of("sendDocument", AVAP_TOKEN) == []

    admin = Chat(fake_telegram, srv, ADMIN_ID)
    admin.send("/resync_sheets")
    assert admin.wait_texts(1)[-1] == texts.SHEETS_OFF
    with db(srv) as conn:
        assert conn.execute("SELECT count(*) FROM outbox WHERE kind LIKE 'sheets.%'"
                            ).fetchone()[0] == 0
