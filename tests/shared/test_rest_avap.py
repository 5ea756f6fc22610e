"""The support bot's repositories (AvapRepo, EngagementRepo, CrmRepo) on the Supabase REST
backend (issue 7): each function of ``migrations/0009_rest_avap.sql`` gives the answer the SQL
backend gives.

Every scenario calls the methods the REST variants override (and a representative set of the
inherited ones, which go through the statement translator) and returns a transcript of what they
answered and of the rows left behind. It runs on PostgreSQL (a direct connection) and on the REST
backend (the fake PostgREST over another database) at the same frozen clock, and the two
transcripts must be equal (same values and types); the scenario also checks values outright, so
a transcript wrong on both sides fails, and it runs once more on each backend of the ``storage``
fixture (SQLite too). Many of these methods are otherwise only exercised by the end-to-end tests,
which run on SQLite. Then what only the REST backend must prove: reads past PostgREST's 1,000-row
cap are complete, and concurrent check-and-change calls from two REST storages have one winner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, insert, select
from sqlalchemy.exc import NoResultFound

from avap_bot.storage import tables as avap_tables
from shared.storage import Storage
from shared.storage import schema as t
from shared.storage.rest.client import RestError
from shared.storage.rest.db import RestDatabase
from tests.conftest import open_supabase_storage
from tests.fakes.postgrest import FakePostgrest

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 11, 20, 21, 30, 15, 250_000, tzinfo=UTC)
Scenario = Callable[[Storage, Any], Awaitable[list[Any]]]


async def transcripts(both: tuple[Storage, Storage], scenario: Scenario) -> list[Any]:
    """The scenario's transcript on each backend (same clock); asserts they are equal."""
    assert not isinstance(both[0].db, RestDatabase) and isinstance(both[1].db, RestDatabase)
    out = []
    for storage in both:
        with time_machine.travel(NOW, tick=False) as clock:
            out.append(await scenario(storage, clock))
    assert len(out[0]) == len(out[1])
    for i, (sql, rest) in enumerate(zip(*out, strict=True)):
        assert sql == rest, f"step {i}"
        assert _types(sql) == _types(rest), f"types of step {i}"
    return out[1]


def _types(value: Any) -> Any:
    """The shape of a value with its types, to compare beyond ``==`` (1 == 1.0 == True)."""
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [_types(v) for v in value]
    return type(value).__name__


async def _outbox(storage: Storage) -> list[Any]:
    o = t.outbox
    async with storage.db.read() as c:
        rows = await c.execute(select(o.c.kind, o.c.payload, o.c.status, o.c.dedupe_key,
                                      o.c.next_attempt_at).order_by(o.c.id))
        return [tuple(r) for r in rows]


async def _student(storage: Storage, telegram_id: int, name: str, *,
                   active: datetime | None = None) -> None:
    async with storage.db.write() as c:
        await c.execute(insert(avap_tables.verified_users).values(
            telegram_id=telegram_id, name=name, status="verified", last_active_at=active,
            created_at=NOW, updated_at=NOW))


# --- scenarios ---------------------------------------------------------------------------------

async def _buyers_and_students(storage: Storage, clock: Any) -> list[Any]:
    avap, out = storage.avap, []
    avap.report_to_sheets = True
    out.append(await avap.upsert_buyer(name="Ann", email="ann@x.io", phone=None, source="admin",
                                       added_by=1))
    clock.shift(1)
    out.append(await avap.upsert_buyer(name="Ann B", email="ann@x.io", phone="+15550001",
                                       source="systeme", added_by=None))
    out.append(await avap.upsert_buyer(name="Bob", email=None, phone="+15550002",
                                       source="admin", added_by=1))
    out.append(await avap.upsert_buyer(name="Bobby", email="", phone="+15550002",
                                       source="admin", added_by=1))
    out.append(await avap.upsert_buyer(name="Cy", email=None, phone=None, source="admin",
                                       added_by=None))
    assert out == [("added", 1), ("updated", 1), ("added", 2), ("updated", 2), ("added", 3)]
    ann = await avap.get_buyer(1)
    assert ann is not None
    assert (ann["name"], ann["phone"], ann["source"]) == ("Ann B", "+15550001", "admin")
    assert ann["updated_at"] == NOW + timedelta(seconds=1) and ann["created_at"] == NOW
    out.append(ann)
    out.append(await avap.find_buyer(phone="+15550002"))
    out.append(await avap.find_buyer(email="ANN@X.IO"))
    pending = await avap.pending_buyers(limit=2)
    assert [b["id"] for b in pending[0]] == [1, 2] and pending[1] == 3
    out.append(pending)

    clock.shift(1)
    student = await avap.verify(buyer_id=1, telegram_id=501, username="ann")
    assert (student["telegram_id"], student["status"], student["buyer_id"], student["name"],
            student["username"]) == (501, "verified", 1, "Ann B", "ann")
    out.append(student)
    out.append(await avap.verify(buyer_id=2, telegram_id=502, username=None))
    with pytest.raises(NoResultFound):
        await avap.verify(buyer_id=99, telegram_id=503, username=None)
    claimed = await avap.get_buyer(1)
    assert claimed is not None and (claimed["status"], claimed["telegram_id"]) == ("verified",
                                                                                   501)
    out.append(claimed)
    out.append(await avap.verified_student(501))
    out.append(await avap.find_student(email="ANN@x.io"))
    clock.shift(60)
    await avap.touch(502)
    bob = await avap.find_student(telegram_id=502)
    assert bob is not None and bob["last_active_at"] == NOW + timedelta(seconds=62)
    out.append(bob)
    out.append(await avap.audience())
    await storage.chats.set_active("avap", 502, False)
    out.append(await avap.audience())
    assert out[-2:] == [[501, 502], [501]]

    clock.shift(1)
    revoked = await avap.revoke_student(502)
    assert revoked == {"id": 2, "buyer_id": 2, "name": "Bobby", "email": None}
    out.append(revoked)
    out.append(await avap.revoke_student(502))
    assert out[-1] is None
    out.append(await avap.get_buyer(2))
    assert out[-1]["status"] == "revoked"
    reset = await avap.reset_verification(501)
    assert reset == {"id": 1, "buyer_id": 1, "name": "Ann B", "email": "ann@x.io"}
    out.append(reset)
    out.append(await avap.reset_verification(501))
    assert out[-1] is None
    again = await avap.get_buyer(1)
    assert again is not None and (again["status"], again["telegram_id"]) == ("pending", None)
    out.append(again)
    out.append(await avap.find_student(telegram_id=501))
    assert out[-1]["status"] == "revoked"

    clock.shift(1)
    back = await avap.verify(buyer_id=1, telegram_id=501, username="ann2")
    assert back["id"] == student["id"] and back["created_at"] == student["created_at"]
    assert back["updated_at"] == NOW + timedelta(seconds=64) and back["username"] == "ann2"
    out.append(back)
    out.append(await avap.report_rows("verified_users"))
    out.append(await avap.report_rows("verified_users", [2]))
    out.append(await avap.report_rows("questions", []))
    assert [r["id"] for r in out[-3]] == [1, 2] and [r["id"] for r in out[-2]] == [2]
    assert out[-1] == []
    with pytest.raises(ValueError):
        await avap.report_rows("admins")
    outbox = await _outbox(storage)
    # verify 501, verify 502, revoke 502, reset 501, verify 501 again: one report each
    assert [(kind, payload) for kind, payload, *_ in outbox] == [
        ("sheets.upsert", {"table": "verified_users", "id": i}) for i in (1, 2, 2, 1, 1)]
    out.append(outbox)
    avap.report_to_sheets = False
    await avap.revoke_student(501)
    assert len(await _outbox(storage)) == len(outbox)  # nothing queued without Sheets
    return out


async def _desk(storage: Storage, clock: Any) -> list[Any]:
    avap, out = storage.avap, []
    avap.report_to_sheets = True
    await _student(storage, 501, "Ann", active=NOW - timedelta(days=1))
    await _student(storage, 502, "Bob", active=NOW - timedelta(days=9))
    # verification requests: a new one replaces the open one
    first = await avap.create_request(telegram_id=501, tg_name="Ann", tg_username="ann",
                                      buyer_id=None, kind="manual", identifier="ann@x.io")
    clock.shift(1)
    second = await avap.create_request(telegram_id=501, tg_name="Ann", tg_username=None,
                                       buyer_id=7, kind="match", identifier=None)
    assert (first, second) == (1, 2)
    replaced = await avap.get_request(1)
    assert replaced is not None and replaced["status"] == "replaced"
    assert replaced["decided_at"] == NOW + timedelta(seconds=1)
    out += [first, second, replaced, await avap.open_request_of(501)]
    assert out[-1]["id"] == 2
    await avap.set_card("request", 2, -100, 55)
    out.append(await avap.decide_request(2, "approved", 9))
    out.append(await avap.decide_request(2, "rejected", 9))
    assert out[-2]["status"] == "approved" and out[-2]["card_message_id"] == 55
    assert out[-1] is None

    # submissions
    s1 = await avap.create_submission(telegram_id=501, module="M1", kind="text", content="hi",
                                      file_id=None, source_chat_id=501, source_message_id=10)
    clock.shift(1)
    s2 = await avap.create_submission(telegram_id=501, module="M1", kind="photo", content=None,
                                      file_id="F", source_chat_id=501, source_message_id=11)
    s3 = await avap.create_submission(telegram_id=502, module="M2", kind="text", content="x",
                                      file_id=None, source_chat_id=502, source_message_id=12)
    assert [(s["id"], s["attempt"], s["status"]) for s in (s1, s2, s3)] == [
        (1, 1, "submitted"), (2, 2, "submitted"), (3, 1, "submitted")]
    out += [s1, s2, s3]
    await avap.set_card("submission", 1, -100, 77)
    out.append(await avap.by_card("submission", -100, 77))
    out.append(await avap.submission_by_source(501, 11))
    assert out[-2]["id"] == 1 and out[-1]["id"] == 2
    out.append(await avap.ungraded(limit=2))
    out.append(await avap.ungraded())
    assert [(r["id"], r["name"]) for r in out[-1]] == [(1, "Ann"), (2, "Ann"), (3, "Bob")]
    assert [r["id"] for r in out[-2]] == [1, 2]
    out.append(await avap.audience("M1"))
    out.append(await avap.audience("M9"))
    assert out[-2:] == [[501], []]
    clock.shift(1)
    out.append(await avap.record_grade(1, 8, "good", 9))
    out.append(await avap.record_grade(1, 3, "again?", 9))
    out.append(await avap.record_grade(1, 9, "better", 9, replace=True))
    out.append(await avap.record_grade(99, 9, None, 9))
    assert out[-4]["grade"] == 8 and out[-3] is None and out[-2]["grade"] == 9
    assert out[-1] is None
    out.append(await avap.record_revision(2, "redo", 9))
    out.append(await avap.record_revision(2, "redo", 9))
    assert out[-2]["status"] == "revision" and out[-1] is None
    out.append(await avap.submissions_of(501))
    out.append(await avap.get_submission(3))

    # questions and answers
    q1 = await avap.create_question(telegram_id=501, kind="text", content="why?", file_id=None,
                                    source_chat_id=501, source_message_id=20)
    clock.shift(10)
    q2 = await avap.create_question(telegram_id=502, kind="text", content="how?", file_id=None,
                                    source_chat_id=502, source_message_id=21)
    clock.shift(10)
    q3 = await avap.create_question(telegram_id=503, kind="photo", content=None, file_id="P",
                                    source_chat_id=503, source_message_id=22)
    assert (q1["answered"], q1["status"], q3["id"]) == (False, "open", 3)
    out += [q1, q2, q3]
    await avap.set_card("question", 1, -100, 88)
    out.append(await avap.by_card("question", -100, 88))
    out.append(await avap.question_by_source(502, 21))
    out.append(await avap.unanswered())
    assert [(r["id"], r["name"]) for r in out[-1]] == [(1, "Ann"), (2, "Bob"), (3, None)]
    clock.shift(100.5)
    out.append(await avap.record_answer(1, "because", 9))
    out.append(await avap.record_answer(1, "also", 10))
    out.append(await avap.record_answer(99, "x", 9))
    assert out[-3][1] is True and out[-3][0]["answered_by"] == 9
    assert out[-2][1] is False and out[-2][0]["answer"] == "because\n\nalso"
    assert out[-2][0]["answered_by"] == 9 and out[-1] == (None, False)
    one = await avap.stats(NOW - timedelta(days=7))
    assert one["questions"] == {"open": 2, "answered": 1, "median_answer_s": 120.5}
    out.append(one)
    clock.shift(7)
    out.append(await avap.record_answer(2, "so", 9))
    out.append(await avap.get_question(2))
    out.append(await avap.questions_of(501))

    # wins
    win = await avap.share_win(telegram_id=501, kind="text", content="won", file_id=None,
                               source_chat_id=501, source_message_id=30)
    assert win is not None and (win["id"], win["status"]) == (1, "shared")
    out.append(win)
    out.append(await avap.share_win(telegram_id=501, kind="text", content="won", file_id=None,
                                    source_chat_id=501, source_message_id=30))
    assert out[-1] is None
    out.append(await avap.share_win(telegram_id=502, kind="photo", content=None, file_id="W",
                                    source_chat_id=502, source_message_id=31))

    # what Sheets and the CSV export show
    for table in ("submissions", "wins", "questions"):
        out.append(await avap.report_rows(table))
    out.append(await avap.report_rows("questions", [2, 3]))
    assert [(r["id"], r["student"]) for r in out[-1]] == [(2, "Bob"), (3, None)]
    assert list(out[-1][0])[-1] == "student"

    stats = await avap.stats(NOW - timedelta(days=7))
    assert stats["verified"] == 2 and stats["pending"] == 0 and stats["wins"] == 2
    assert stats["submissions"] == {"total": 3, "waiting": 1, "graded": 1, "revision": 1}
    assert [(m["module"], m["n"], None if m["avg"] is None else float(m["avg"]))
            for m in stats["per_module"]] == [("M1", 2, 9.0), ("M2", 1, None)]
    # answered after 120.5 s and 117.5 s: the median of two is their mean
    assert stats["questions"] == {"open": 1, "answered": 2, "median_answer_s": 119.0}
    assert stats["active_7d"] == 1
    out.append(stats)
    outbox = await _outbox(storage)
    assert [(p["table"], p["id"]) for _, p, *_ in outbox] == [
        ("submissions", 1), ("submissions", 2), ("submissions", 3), ("submissions", 1),
        ("submissions", 1), ("submissions", 2), ("questions", 1), ("questions", 2),
        ("questions", 3), ("questions", 1), ("questions", 1), ("questions", 2), ("wins", 1),
        ("wins", 2)]
    out.append(outbox)
    return out


async def _broadcasts_and_more(storage: Storage, clock: Any) -> list[Any]:
    avap, out = storage.avap, []
    b1 = await avap.create_broadcast(created_by=9, audience="all", source_chat_id=9,
                                     source_message_id=40, content="Hello", kind="text")
    assert b1 == 1
    out.append(await avap.set_broadcast_audience(b1, "module:M1"))
    out.append(await avap.broadcast_by_source(9, 40))
    clock.shift(1)
    out.append(await avap.start_broadcast(b1, [3, 1, 2], 9, 41))
    out.append(await avap.start_broadcast(b1, [4], 9, 41))
    out.append(await avap.cancel_broadcast(b1))
    out.append(await avap.set_broadcast_audience(b1, "all"))
    assert out[-4:] == [True, False, False, False]
    out.append(await avap.get_broadcast(b1))
    assert (out[-1]["status"], out[-1]["total"], out[-1]["audience"]) == ("sending", 3,
                                                                           "module:M1")
    out.append(await avap.pending_deliveries(b1, 10))
    out.append(await avap.pending_deliveries(b1, 2))
    assert out[-2:] == [[1, 2, 3], [1, 2]]
    clock.shift(1)
    await avap.record_delivery(b1, 1, "sent")
    await avap.record_delivery(b1, 1, "sent")      # recorded once
    await avap.record_delivery(b1, 2, "blocked")
    await avap.record_delivery(b1, 9, "failed")    # no such recipient: nothing
    out.append(await avap.get_broadcast(b1))
    assert (out[-1]["sent_count"], out[-1]["blocked_count"], out[-1]["failed_count"]) == (
        1, 1, 0)
    out.append(await avap.pending_deliveries(b1, 10))
    out.append(await avap.sending_broadcasts())
    await avap.record_delivery(b1, 3, "failed")
    out.append(await avap.finish_broadcast(b1))
    out.append(await avap.finish_broadcast(b1))
    assert out[-2]["status"] == "done" and out[-2]["failed_count"] == 1 and out[-1] is None
    async with storage.db.read() as c:
        out.append([tuple(r) for r in await c.execute(
            select(avap_tables.broadcast_deliveries).order_by(avap_tables.broadcast_deliveries.c.chat_id))])
    b2 = await avap.create_broadcast(created_by=9, audience="all", source_chat_id=9,
                                     source_message_id=42, content="Bye", kind="text")
    out.append(await avap.start_broadcast(b2, [], 9, 43))
    out.append(await avap.get_broadcast(b2))
    assert out[-1]["total"] == 0 and out[-1]["status"] == "sending"
    b3 = await avap.create_broadcast(created_by=9, audience="all", source_chat_id=9,
                                     source_message_id=44, content="No", kind="text")
    out.append(await avap.cancel_broadcast(b3))
    out.append(await avap.start_broadcast(b3, [1], 9, 45))
    assert out[-2:] == [True, False]

    # admins, verification attempts, cooldowns
    out.append(await avap.add_admin(77, "Al", 1))
    out.append(await avap.add_admin(77, "Al", 1))
    clock.shift(1)
    out.append(await avap.add_admin(78, None, 77))
    out.append(await avap.admin_ids())
    out.append(await avap.list_admins())
    out.append(await avap.remove_admin(77))
    out.append(await avap.remove_admin(77))
    assert out[-7:-4] == [True, False, True] and out[-4] == {77, 78}
    assert out[-2:] == [True, False]
    await avap.record_attempt(501)
    clock.shift(10)
    await avap.record_attempt(501)
    out.append(await avap.attempts_since(501, NOW))
    out.append(await avap.attempts_since(501, datetime.now(UTC)))
    assert out[-2:] == [2, 1]
    await storage.cooldowns.start("verify:501", 30)
    out.append(await avap.cooldown_until("verify:501"))
    out.append(await avap.cooldown_until("verify:502"))
    assert out[-2] == datetime.now(UTC) + timedelta(seconds=30) and out[-1] is None

    # the Systeme.io repository: inherited as is (every statement translates)
    crm = storage.crm
    out.append(await crm.claim_message("m-1", "sale"))
    out.append(await crm.claim_message("m-1", "sale"))
    await crm.set_outcome("m-1", "added")
    out.append(await crm.outcome_of("m-1"))
    out.append(await crm.outcome_of("m-2"))
    assert out[-4:] == [True, False, "added", None]
    return out


async def _engagement(storage: Storage, clock: Any) -> list[Any]:
    repo, out = storage.engagement, []
    out.append(await repo.start_tip_day("2026-11-20"))
    out.append(await repo.delete_tip(1))
    assert out == [None, None]
    for i, text in enumerate(("one", "two", "three", "four")):
        out.append(await repo.add_tip(text, "PH" if i == 1 else None, 9, source=(9, 100 + i)))
        clock.shift(1)
    out.append(await repo.add_tip("four", None, 9, source=(9, 103)))
    assert out[-5:] == [1, 2, 3, 4, 4]
    out.append(await repo.delete_tip(3))
    out.append(await repo.delete_tip(4))
    out.append(await repo.delete_tip(0))
    assert out[-3]["text"] == "three" and out[-2] is None and out[-1] is None
    out.append(await repo.list_tips())
    for telegram_id, name in ((3, "C"), (1, "A"), (2, "B"), (4, "D")):
        await _student(storage, telegram_id, name)
    await storage.chats.set_active("avap", 4, False)
    out.append(await repo.set_tips(2, False))
    out.append(await repo.tips_enabled(2))
    out.append(await repo.tip_audience())
    assert out[-3:] == [True, False, [1, 3]]
    days = []
    for day in ("2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"):
        clock.shift(3600)
        days.append(await repo.start_tip_day(day))
        days.append(await repo.start_tip_day(day))
        days.append(await repo.tip_day(day))
    assert [d["text"] for d in days[2::3]] == ["one", "two", "four", "one"]
    assert days[1::3] == [None] * 4 and days[0::3] == [1, 2, 3, 4]
    out += days
    out.append(await repo.tip_of_broadcast(2))
    out.append(await repo.next_tip())
    out.append(await avap_broadcast(storage, 3))
    assert out[-1][0]["type"] == "tip" and out[-1][1] == [1, 3]

    # the partner pool
    pool = []
    pool.append(await repo.join_pool(1, "A", "a", None))
    clock.shift(1)
    pool.append(await repo.join_pool(2, "B", None, None))
    pool.append(await repo.join_pool(3, "C", "c", "M1"))
    clock.shift(1)
    pool.append(await repo.join_pool(4, "D", "d", "M2"))
    pool.append(await repo.join_pool(5, "E", "e", None))
    pool.append(await repo.pool_entry(4))
    pool.append(await repo.pool_size())
    pool.append(await repo.leave_pool(4))
    pool.append(await repo.leave_pool(4))
    pool.append(await repo.join_pool(1, "A", "a", "M7"))
    pool.append(await repo.join_pool(2, "B", None, None))        # only a former partner waits
    pool.append(await repo.partners_of(1))
    pool.append(await repo.get_pair(3))
    pool.append(await repo.pairs())
    assert pool[0] is None and (pool[1]["user_a"], pool[1]["user_b"]) == (1, 2)
    assert pool[2] is None and pool[3] is None
    assert (pool[4]["user_a"], pool[4]["user_b"], pool[4]["module"]) == (3, 5, "M1")
    assert pool[5]["module"] == "M2" and pool[6] == 1 and pool[7:9] == [True, False]
    assert pool[9] is None and (pool[10]["user_a"], pool[10]["module"]) == (1, "M7")
    assert pool[11] == {2} and len(pool[13]) == 3
    out += pool

    # the admins' digest
    async with storage.db.write() as c:
        for hours, status in ((30, "submitted"), (48, "submitted"), (2, "submitted"),
                              (50, "graded")):
            at = datetime.now(UTC) - timedelta(hours=hours)
            await c.execute(insert(avap_tables.submissions).values(
                telegram_id=1 if hours != 48 else 9, module="M1", type="text", content="x",
                status=status, attempt=1, created_at=at, updated_at=at))
        for hours, answered in ((25, False), (1, False), (40, True), (26, False)):
            await c.execute(insert(avap_tables.questions).values(
                telegram_id=2 if hours != 26 else 9, type="text", content=f"q{hours}",
                status="open", answered=answered,
                created_at=datetime.now(UTC) - timedelta(hours=hours)))
    before = datetime.now(UTC) - timedelta(hours=24)
    out.append(await repo.waiting_submissions(before))
    out.append(await repo.waiting_submissions(before, limit=1))
    out.append(await repo.waiting_questions(before))
    assert [(r["id"], r["name"]) for r in out[-3]] == [(2, None), (1, "A")]
    assert len(out[-2]) == 1
    assert [(r["content"], r["name"]) for r in out[-1]] == [("q26", None), ("q25", "B")]
    assert list(out[-1][0]) == ["id", "telegram_id", "type", "content", "created_at", "name"]
    return out


async def avap_broadcast(storage: Storage, broadcast_id: int) -> tuple[Any, list[int]]:
    """A broadcast and its pending recipients."""
    return (await storage.avap.get_broadcast(broadcast_id),
            await storage.avap.pending_deliveries(broadcast_id, 100))


SCENARIOS = {"buyers_and_students": _buyers_and_students, "desk": _desk,
             "broadcasts_and_more": _broadcasts_and_more, "engagement": _engagement}


# --- the same answers on both ------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_same_on_postgresql_and_rest(both: tuple[Storage, Storage], name: str) -> None:
    await transcripts(both, SCENARIOS[name])


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_scenario_on_every_backend(storage: Storage, name: str) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        await SCENARIOS[name](storage, clock)


async def _many(storage: Storage, clock: Any) -> list[Any]:
    """More rows than one PostgREST response holds (1,000): every read still sees them all."""
    students = [{"telegram_id": 10_000 + i, "name": f"S{i}", "status": "verified",
                 "created_at": NOW, "updated_at": NOW} for i in range(1203)]
    subs = [{"telegram_id": 10_000 + i, "module": "M1" if i % 2 else "M2", "type": "text",
             "content": str(i), "status": "submitted", "attempt": 1, "created_at": NOW,
             "updated_at": NOW} for i in range(1004)]
    # one write block per table: one request each (a block of several inserts is one
    # app_apply_writes call, which the replay at teardown cannot repeat on unique keys)
    for table, rows in ((avap_tables.verified_users, students), (avap_tables.submissions, subs),
                        (avap_tables.tip_optouts, [{"telegram_id": 10_001, "created_at": NOW}])):
        async with storage.db.write() as c:
            await c.execute(insert(table), rows)
    out: list[Any] = [await storage.avap.audience(), await storage.avap.audience("M1"),
                      await storage.engagement.tip_audience(),
                      await storage.avap.report_rows("submissions"),
                      await storage.avap.report_rows("verified_users")]
    assert out[0] == [10_000 + i for i in range(1203)]
    assert out[1] == [10_000 + i for i in range(1, 1004, 2)]
    assert out[2] == [x for x in out[0] if x != 10_001]
    assert [r["id"] for r in out[3]] == list(range(1, 1005))
    assert out[3][-1]["student"] == "S1003" and len(out[4]) == 1203
    out.append(await storage.avap.ungraded(limit=1002))
    assert len(out[-1]) == 1002
    clock.shift(1)
    await storage.engagement.add_tip("t", None, 1)
    broadcast_id = await storage.engagement.start_tip_day("2026-11-21")
    assert broadcast_id is not None
    async with storage.db.read() as c:
        out.append((await c.execute(select(func.count()).where(
            avap_tables.broadcast_deliveries.c.broadcast_id == broadcast_id))).scalar_one())
    assert out[-1] == 1202
    return out


async def test_reads_past_the_row_cap(both: tuple[Storage, Storage]) -> None:
    await transcripts(both, _many)


# --- what only the REST backend must show ------------------------------------------------------

async def test_concurrent_check_and_change_has_one_winner(supabase: FakePostgrest) -> None:
    a = await open_supabase_storage(supabase)
    b = await open_supabase_storage(supabase)
    try:
        await _student(a, 501, "Ann")
        question = await a.avap.create_question(
            telegram_id=501, kind="text", content="?", file_id=None, source_chat_id=501,
            source_message_id=1)
        answers = await asyncio.gather(*[s.avap.record_answer(question["id"], f"{n}{i}", 9)
                                         for i in range(3) for n, s in (("a", a), ("b", b))])
        assert sum(first for _, first in answers) == 1
        row = await a.avap.get_question(question["id"])
        assert row is not None and len(row["answer"].split("\n\n")) == 6

        bid = await a.avap.create_broadcast(created_by=9, audience="all", source_chat_id=9,
                                            source_message_id=2, content="x", kind="text")
        started = await asyncio.gather(*[s.avap.start_broadcast(bid, [1, 2, 3], 9, 3)
                                         for s in (a, b, a, b)])
        assert sorted(started) == [False, False, False, True]
        await asyncio.gather(*[s.avap.record_delivery(bid, chat, "sent")
                               for chat in (1, 2) for s in (a, b, a)])
        broadcast = await b.avap.get_broadcast(bid)
        assert broadcast is not None and broadcast["sent_count"] == 2
        assert await a.avap.pending_deliveries(bid, 10) == [3]

        grades = await asyncio.gather(*[s.avap.record_grade(1, 5, None, 9) for s in (a, b)])
        assert grades == [None, None]  # no submission 1 yet
        sub = await a.avap.create_submission(telegram_id=501, module="M1", kind="text",
                                             content="s", file_id=None, source_chat_id=501,
                                             source_message_id=6)
        grades = await asyncio.gather(*[s.avap.record_grade(sub["id"], g, None, 9)
                                        for g, s in ((5, a), (6, b), (7, a))])
        assert sum(g is not None for g in grades) == 1

        buyer = (await a.avap.upsert_buyer(name="Ann", email="ann@x.io", phone=None,
                                           source="admin", added_by=1))[1]
        await a.avap.verify(buyer_id=buyer, telegram_id=601, username=None)
        revoked = await asyncio.gather(*[s.avap.reset_verification(601) for s in (a, b, a)])
        assert sum(r is not None for r in revoked) == 1
        back = await b.avap.get_buyer(buyer)
        assert back is not None and (back["status"], back["telegram_id"]) == ("pending", None)

        # two students joining the pool at once find each other
        pairs = await asyncio.gather(a.engagement.join_pool(1, "A", None, None),
                                     b.engagement.join_pool(2, "B", None, None))
        assert sum(p is not None for p in pairs) == 1
        assert await a.engagement.pool_size() == 0

        await a.engagement.add_tip("t", None, 1)
        days = await asyncio.gather(*[s.engagement.start_tip_day("2026-11-23")
                                      for s in (a, b, a, b)])
        assert len([d for d in days if d is not None]) == 1
    finally:
        await a.close()
        await b.close()


async def test_a_function_that_fails_changes_nothing(supabase: FakePostgrest) -> None:
    """A function that fails half-way leaves nothing behind (one transaction per call)."""
    st = await open_supabase_storage(supabase)
    try:
        st.avap.report_to_sheets = True
        await _student(st, 501, "Ann")
        bid = await st.avap.create_broadcast(created_by=9, audience="all", source_chat_id=9,
                                             source_message_id=2, content="x", kind="text")
        with pytest.raises(RestError, match=r"23505"):
            await st.avap.start_broadcast(bid, [1, 1], 9, 3)   # a repeated recipient
        broadcast = await st.avap.get_broadcast(bid)
        assert broadcast is not None and broadcast["status"] == "draft"
        assert await st.avap.pending_deliveries(bid, 10) == []
        with pytest.raises(RestError, match="not a delivery outcome"):
            await st.avap.record_delivery(bid, 1, "lost")  # type: ignore[arg-type]
    finally:
        await st.close()
