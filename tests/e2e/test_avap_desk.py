"""/stats and /student end to end, against a data set written straight into the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from avap_bot import texts
from tests.e2e.avap import ADMIN_ID, Chat, add_verified_student, avap_server, db
from tests.e2e.conftest import ServerProcess
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

ANN, BOB, CARL, DORA = 801, 802, 803, 804
NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _t(**ago: float) -> str:
    return (NOW - timedelta(**ago)).isoformat(sep=" ")


def seed(srv: ServerProcess) -> None:
    """3 verified students (1 active this week), 1 revoked, 2 buyers not verified; submissions
    in modules 1 and 2; 1 open and 3 answered questions; 2 wins."""
    add_verified_student(srv, ANN, "Ann <Avetisyan>", "ann@example.com")
    add_verified_student(srv, BOB, "Bob Brown")
    add_verified_student(srv, CARL, "Carl Clark")
    add_verified_student(srv, DORA, "Dora Dean")
    with db(srv) as conn:
        conn.execute("UPDATE verified_users SET last_active_at=?, username='ann_a' "
                     "WHERE telegram_id=?", (_t(hours=2), ANN))
        conn.execute("UPDATE verified_users SET last_active_at=? WHERE telegram_id=?",
                     (_t(days=10), BOB))
        conn.execute("UPDATE verified_users SET status='revoked' WHERE telegram_id=?", (DORA,))
        for name in ("Pending One", "Pending Two"):
            conn.execute("INSERT INTO pending_verifications (name, email, status, source, "
                         "created_at, updated_at) VALUES (?, ?, 'pending', 'admin', ?, ?)",
                         (name, f"{name.split()[1].lower()}@example.com", _t(days=1),
                          _t(days=1)))
        submissions = [  # (student, module, status, grade, attempt, days ago)
            (ANN, "1", "graded", 8, 1, 5), (ANN, "2", "submitted", None, 1, 1),
            (BOB, "1", "graded", 6, 1, 4), (BOB, "1", "submitted", None, 2, 2),
            (CARL, "2", "graded", 9, 1, 3), (CARL, "2", "revision", None, 2, 2),
        ]
        conn.executemany(
            "INSERT INTO submissions (telegram_id, module, type, content, status, grade, "
            "attempt, created_at, updated_at) VALUES (?, ?, 'text', 'my work', ?, ?, ?, ?, ?)",
            [(s, m, st, g, a, _t(days=d), _t(days=d)) for s, m, st, g, a, d in submissions])
        questions = [  # (student, answered after seconds or None, content, hours ago)
            (ANN, 60, "How do I export the report?", 30), (ANN, None, None, 1),
            (BOB, 600, "Where is lesson 3?", 20), (CARL, 7200, "Deadline?", 10),
        ]
        for student, after, content, hours in questions:
            created = NOW - timedelta(hours=hours)
            conn.execute(
                "INSERT INTO questions (telegram_id, type, content, status, answered, answer, "
                "created_at, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (student, "text" if content else "voice", content,
                 "answered" if after else "open", 1 if after else 0, "yes" if after else None,
                 created.isoformat(sep=" "),
                 (created + timedelta(seconds=after)).isoformat(sep=" ") if after else None))
        conn.executemany(
            "INSERT INTO wins (telegram_id, type, content, status, created_at) "
            "VALUES (?, 'text', 'first client!', 'shared', ?)", [(ANN, _t(days=1)),
                                                                (CARL, _t(days=2))])


def reply_to(chat: Chat, command: str) -> str:
    before = len(chat.texts())
    chat.send(command)
    return chat.wait_texts(before + 1)[-1]


def test_stats_match_the_data(fake_telegram: FakeTelegram, make_server) -> None:
    srv = avap_server(make_server)
    seed(srv)
    admin = Chat(fake_telegram, srv, ADMIN_ID)
    expected = "\n".join([
        texts.STATS.format(verified=3, pending=2, active=1, total=6, waiting=2, graded=3,
                           revision=1),
        texts.STATS_MODULE.format(module="1", n=3, avg="7.0"),
        texts.STATS_MODULE.format(module="2", n=3, avg="9.0"),
        texts.STATS_QUESTIONS.format(open=1, answered=3, median="10 min"),
        texts.STATS_COPILOT.format(posted=0, sent=0, edited=0, dismissed=0,
                                   with_s=texts.STATS_NONE, without_s="10 min"),
        texts.STATS_WINS.format(wins=2),
    ])
    assert reply_to(admin, "/stats") == expected


def test_student_by_id_and_by_email(fake_telegram: FakeTelegram, make_server) -> None:
    srv = avap_server(make_server)
    seed(srv)
    admin = Chat(fake_telegram, srv, ADMIN_ID)
    card = reply_to(admin, f"/student {ANN}")
    lines = card.split("\n")
    assert lines[0] == "👤 <b>Ann &lt;Avetisyan&gt;</b> @ann_a"
    assert f"Telegram id: <code>{ANN}</code>" in lines
    assert "Email: ann@example.com" in lines
    assert "Last active: 2 h ago" in lines
    assert texts.STUDENT_SUBMISSIONS.format(n=2).strip() in lines
    graded = [x for x in lines if x.startswith("• #") and "module 1" in x]
    assert len(graded) == 1 and "✅ graded 8/10" in graded[0] and "attempt 1" in graded[0]
    assert any("module 2" in x and texts.SUBMISSION_STATES["submitted"] in x for x in lines)
    assert texts.STUDENT_QUESTIONS.format(n=2).strip() in lines
    assert any("answered in 1 min" in x and "How do I export the report?" in x for x in lines)
    assert any(texts.QUESTION_STATES["open"] in x and x.endswith("— voice") for x in lines)

    # the same student by email, whatever its case; a revoked one is still found
    assert reply_to(admin, "/student ANN@Example.com") == card
    dora = reply_to(admin, f"/student {DORA}")
    assert texts.STUDENT_STATUS["revoked"] in dora
    assert texts.STUDENT_SUBMISSIONS.format(n=0) + "\n" + texts.STUDENT_NONE in dora
    assert reply_to(admin, "/student nobody@example.com") == texts.STUDENT_NOT_FOUND
    assert reply_to(admin, "/student 999999") == texts.STUDENT_NOT_FOUND
    assert reply_to(admin, "/student") == texts.STUDENT_USAGE


def test_desk_is_for_admins(fake_telegram: FakeTelegram, make_server) -> None:
    srv = avap_server(make_server)
    seed(srv)
    student = Chat(fake_telegram, srv, BOB)
    assert reply_to(student, "/stats") == texts.ADMINS_ONLY
    assert reply_to(student, f"/student {ANN}") == texts.ADMINS_ONLY
    assert not any("Ann" in t for t in student.texts())
