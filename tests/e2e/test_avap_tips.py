"""Daily tips end to end, with the server's clock moved by libfaketime (Debian's ``faketime``
package): at TIP_TIME every opted-in student gets exactly one tip, also with two server processes
on one PostgreSQL database; the next day brings the next tip; a day slept through is caught up at
start-up; /addtip /tips /deltip are for admins only; the digest is sent only when something
waits for more than 24 hours."""

from __future__ import annotations

import asyncio
import math
import shutil
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from avap_bot import texts
from tests.e2e.avap import (
    ADMIN_ID,
    ASSIGNMENT_GROUP,
    GROUP_ENV,
    QUESTIONS_GROUP,
    Chat,
    add_verified_student,
    buttons,
    db,
    wait_done,
)
from tests.e2e.conftest import AVAP_TOKEN, ServerProcess
from tests.eventually import eventually
from tests.fakes.telegram_api import FakeTelegram
from tests.pg import PostgresServer

STUDENTS = [501, 502, 503]
HEADER = texts.TIP_HEADER


def _libfaketime() -> str | None:
    """libfaketime itself: preloaded into the server, so that the server stays the process the
    test signals (the ``faketime`` wrapper would forward no SIGTERM to its child)."""
    wrapper = shutil.which("faketime")
    if wrapper is None:
        return None
    for path in sorted(Path("/usr/lib").glob("*/faketime/libfaketime.so.1")) + sorted(
            Path("/usr/lib/faketime").glob("libfaketime.so.1")):
        return str(path)
    return None


LIBFAKETIME = _libfaketime()

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(LIBFAKETIME is None,
                       reason="needs libfaketime: apt-get install -y faketime"),
]


def faked(srv: ServerProcess, at: str) -> ServerProcess:
    """Run ``srv`` with its clock starting at ``at`` (UTC, 'YYYY-MM-DD HH:MM:SS') and running on
    from there, as ``faketime -f '@<at>' python -m shared`` does."""
    assert LIBFAKETIME is not None
    srv.env.update({"LD_PRELOAD": LIBFAKETIME, "FAKETIME": f"@{at}", "TZ": "UTC",
                    "FAKETIME_DONT_RESET": "1"})
    return srv


def start_together(servers: list[ServerProcess], at: str) -> None:
    """Start ``servers`` one after the other with one clock starting at ``at``: each later one
    starts that much later, as instances on NTP-synchronised hosts would (a clock behind by the
    first one's start-up would see its locks expire early and take them over)."""
    t0 = time.monotonic()
    start = datetime.strptime(at, "%Y-%m-%d %H:%M:%S")
    for srv in servers:
        later = start + timedelta(seconds=round(time.monotonic() - t0))
        faked(srv, later.strftime("%Y-%m-%d %H:%M:%S")).start()


def start_at(srv: ServerProcess, at: str) -> float:
    """Start ``srv`` with its clock at ``at``; the seconds the start took."""
    t0 = time.monotonic()
    faked(srv, at).start()
    return time.monotonic() - t0


def ahead_of(at: str, took: float) -> str:
    """A clock start before the fire time ``at`` with the lead a start needs on this machine
    now (twice what the last one took, at least 5 s), so that the scheduler is up before it
    fires whatever the load; a fixed lead was a race with the load."""
    lead = max(5, math.ceil(2 * took))
    return (datetime.strptime(at, "%Y-%m-%d %H:%M:%S") - timedelta(seconds=lead)).strftime(
        "%Y-%m-%d %H:%M:%S")


def _daily(c: Any, key: str) -> bool:
    """A daily tip (the menu's "Daily tip" answer carries the menu keyboard; the daily send
    has none)."""
    return (c.result is not None and "reply_markup" not in c.params
            and str(c.params.get(key, "")).startswith(HEADER))


def tips_to(fake: FakeTelegram) -> Counter[int]:
    """Daily tips Telegram accepted, per chat (text tips and photo tips)."""
    got: Counter[int] = Counter()
    for c in fake.calls_of("sendMessage", AVAP_TOKEN):
        if _daily(c, "text"):
            got[int(c.params["chat_id"])] += 1
    for c in fake.calls_of("sendPhoto", AVAP_TOKEN):
        if _daily(c, "caption"):
            got[int(c.params["chat_id"])] += 1
    return got


def tip_bodies(fake: FakeTelegram, chat_id: int) -> list[str]:
    calls = [(c, "text") for c in fake.calls_of("sendMessage", AVAP_TOKEN)] + \
        [(c, "caption") for c in fake.calls_of("sendPhoto", AVAP_TOKEN)]
    calls.sort(key=lambda x: fake.calls.index(x[0]))
    return [str(c.params[k])[len(HEADER):] for c, k in calls
            if int(c.params.get("chat_id", 0)) == chat_id and _daily(c, k)]


def add_tips(admin: Chat, *tips: str) -> None:
    for tip in tips:
        before = len(admin.texts())
        admin.send(f"/addtip {tip}")
        admin.wait_texts(before + 1)
        assert admin.texts()[-1].startswith("✅ Tip #")


# --- the server's own signs that a tip day is settled -----------------------------------------
# Instead of sleeping a few seconds to see that "nothing more is sent", a test waits for the
# day's broadcast to be 'done' (marked after the last send was answered) and then stops the
# server (a stop lets the job runs and sends in progress finish) before it counts: what a
# stopped server sent is all it sends. A server started after 09:00 has two ways to send a tip,
# its start-up catch-up (``on_ready``, done before it logs "bot ready") and a broadcast left
# 'sending'; once it logged "bot ready" with every broadcast 'done', it sends nothing more.
def _records(srv: ServerProcess, **fields: Any) -> list[dict[str, Any]]:
    return [r for r in srv.log_records() if all(r.get(k) == v for k, v in fields.items())]


def wait_started(*servers: ServerProcess) -> None:
    """Each server's current start has run its catch-up (``on_ready``): it logged "bot ready"
    for AVAP once per start."""
    for srv in servers:
        eventually(lambda srv=srv: len(_records(srv, msg="bot ready", bot="avap")) >= srv.starts,
                   timeout=30, what=f"{srv.workdir.name}: AVAP's start-up catch-up")


def wait_tip_sent(srv: ServerProcess, day: str) -> None:
    """The broadcast of ``day``'s tip is 'done' (SQLite server)."""
    def done() -> bool:
        with db(srv) as conn:
            row = conn.execute("SELECT b.status FROM tip_days d JOIN broadcasts b "
                               "ON b.id = d.broadcast_id WHERE d.day = ?", (day,)).fetchone()
        return row is not None and row["status"] == "done"
    eventually(done, timeout=30, what=f"the tip broadcast of {day} done")


def tip_broadcasts(srv: ServerProcess) -> list[tuple[str, str, int]]:
    """(day, status, sent) of every tip broadcast, by day (SQLite server)."""
    with db(srv) as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT d.day, b.status, b.sent_count FROM broadcasts b LEFT JOIN tip_days d "
            "ON d.broadcast_id = b.id WHERE b.type = 'tip' ORDER BY d.day")]


def test_daily_tip_at_tip_time_once_and_next_day_the_next(fake_telegram: FakeTelegram,
                                                          make_server) -> None:
    fake = fake_telegram
    srv = make_server("server", **GROUP_ENV, TIP_TIME="09:00")
    took = start_at(srv, "2026-11-23 08:00:00")
    for s in STUDENTS:
        add_verified_student(srv, s, name=f"Student {s}")
    admin = Chat(fake, srv, ADMIN_ID)
    add_tips(admin, "Drink water & tea", "Sleep well")
    # a photo tip
    before = len(admin.texts())
    admin.send_message(photo=[{"file_id": "PHOTO1", "file_unique_id": "u1", "width": 90,
                               "height": 90}], caption="/addtip Look at this chart")
    admin.wait_texts(before + 1)
    assert admin.texts()[-1] == texts.ADDTIP_DONE.format(n=3)
    add_tips(admin, "to be deleted")
    admin.send("/deltip 4")
    admin.send("/deltip 9")
    admin.send("/tips")
    listed = admin.wait_texts(before + 5)[-1]
    assert "#1</b> Drink water &amp; tea" in listed and "#3</b> 🖼 Look at this chart" in listed
    assert "to be deleted" not in listed
    assert texts.DELTIP_NOT_FOUND.format(n=9) in admin.texts()
    # students cannot manage tips
    intruder = Chat(fake, srv, STUDENTS[0])
    for command in ("/addtip hack", "/tips", "/deltip 1"):
        uid = intruder.send(command)
        wait_done(fake, srv, uid)
    assert intruder.texts().count(texts.ADMINS_ONLY) == 3
    # one student turns tips off
    off = Chat(fake, srv, STUDENTS[2])
    uid = off.send("/tips_off")
    wait_done(fake, srv, uid)
    assert off.texts()[-1] == texts.TIPS_OFF
    assert not tips_to(fake), "no tip before 09:00"

    # the same day, just before 09:00
    srv.stop()
    start_at(srv, ahead_of("2026-11-23 09:00:00", took))
    fake.wait_for(lambda: sum(tips_to(fake).values()) >= 2, timeout=40)
    wait_tip_sent(srv, "2026-11-23")
    srv.stop()  # whatever it was still doing is done now
    assert tips_to(fake) == Counter({STUDENTS[0]: 1, STUDENTS[1]: 1})
    assert tip_bodies(fake, STUDENTS[0]) == ["Drink water &amp; tea"]
    with db(srv) as conn:
        assert [r[0] for r in conn.execute("SELECT day FROM tip_days")] == ["2026-11-23"]
    assert tip_broadcasts(srv) == [("2026-11-23", "done", 2)]

    # a restart the same day sends nothing more
    faked(srv, "2026-11-23 09:30:00").start()
    wait_started(srv)
    assert tip_broadcasts(srv) == [("2026-11-23", "done", 2)]
    assert sum(tips_to(fake).values()) == 2
    # the menu's Daily tip shows today's tip, to the student who turned them off too
    uid = off.send(texts.MENU_TIP)
    wait_done(fake, srv, uid)
    assert off.texts()[-1].startswith(HEADER + "Drink water &amp; tea")
    assert texts.TIP_FOOTER_OFF in off.texts()[-1]

    # the next day: the process slept through 09:00 and wakes at 09:00:30: the next tip (the
    # second one), once
    srv.stop()
    faked(srv, "2026-11-24 09:00:30").start()
    fake.wait_for(lambda: sum(tips_to(fake).values()) >= 4, timeout=20)
    wait_started(srv)
    wait_tip_sent(srv, "2026-11-24")
    srv.stop()
    faked(srv, "2026-11-24 10:00:00").start()
    wait_started(srv)
    assert tip_broadcasts(srv) == [("2026-11-23", "done", 2), ("2026-11-24", "done", 2)]
    assert tips_to(fake) == Counter({STUDENTS[0]: 2, STUDENTS[1]: 2})
    assert tip_bodies(fake, STUDENTS[1]) == ["Drink water &amp; tea", "Sleep well"]
    # the student turns tips on again: the day after brings the photo tip to all three
    uid = off.send("/tips_on")
    wait_done(fake, srv, uid)
    assert off.texts()[-1] == texts.TIPS_ON
    srv.stop()
    start_at(srv, ahead_of("2026-11-25 09:00:00", took))
    fake.wait_for(lambda: sum(tips_to(fake).values()) >= 7, timeout=30)
    wait_tip_sent(srv, "2026-11-25")
    srv.stop()  # whatever it was still doing is done now
    assert tips_to(fake) == Counter({STUDENTS[0]: 3, STUDENTS[1]: 3, STUDENTS[2]: 1})
    photos = [c for c in fake.calls_of("sendPhoto", AVAP_TOKEN)
              if str(c.params.get("caption", "")).startswith(HEADER)]
    assert {str(c.params["photo"]) for c in photos} == {"PHOTO1"} and len(photos) == 3


# --- two instances on one PostgreSQL database --------------------------------------------------
def _pg(url: str, *statements: tuple[str, list[Any]]) -> list[Any]:
    async def run() -> list[Any]:
        conn = await asyncpg.connect(url)
        try:
            out = []
            for sql, args in statements:
                out.append(await conn.fetch(sql, *args))
            return out
        finally:
            await conn.close()
    return asyncio.run(run())


def wait_tip_sent_pg(url: str, day: str) -> None:
    """The broadcast of ``day``'s tip is 'done' (PostgreSQL)."""
    def done() -> bool:
        [rows] = _pg(url, ("SELECT b.status FROM tip_days d JOIN broadcasts b "
                           "ON b.id = d.broadcast_id WHERE d.day = $1", [day]))
        return [r["status"] for r in rows] == ["done"]
    eventually(done, timeout=30, what=f"the tip broadcast of {day} done")


@pytest.mark.postgres
def test_daily_tip_once_with_two_instances_on_postgres(fake_telegram: FakeTelegram, make_server,
                                                       postgres: PostgresServer) -> None:
    fake = fake_telegram
    url = postgres.create_database()
    env = {**GROUP_ENV, "DATABASE_URL": url, "TIP_TIME": "09:00"}
    a, b = make_server("a", **env), make_server("b", **env)
    took = start_at(a, "2026-11-23 08:00:00")
    now = datetime.now(UTC)
    students = list(range(600, 620))
    _pg(url, *[("INSERT INTO verified_users (telegram_id, name, status, created_at, updated_at) "
                "VALUES ($1, $2, 'verified', $3, $3)", [s, f"S{s}", now]) for s in students],
        ("INSERT INTO tip_optouts (telegram_id, created_at) VALUES ($1, $2)", [students[0], now]))
    admin = Chat(fake, a, ADMIN_ID)
    add_tips(admin, "First tip", "Second tip")
    a.stop()
    # both, just before 09:00 (two starts, one after the other)
    start_together([a, b], ahead_of("2026-11-23 09:00:00", 2 * took))
    expected = Counter({s: 1 for s in students[1:]})
    fake.wait_for(lambda: sum(tips_to(fake).values()) >= len(expected), timeout=40)
    wait_tip_sent_pg(url, "2026-11-23")
    a.stop()  # whatever they were still doing is done now
    b.stop()
    assert tips_to(fake) == expected
    # the next day, both again: the second tip, once each
    start_together([a, b], ahead_of("2026-11-24 09:00:00", 2 * took))
    fake.wait_for(lambda: sum(tips_to(fake).values()) >= 2 * len(expected), timeout=40)
    wait_tip_sent_pg(url, "2026-11-24")
    a.stop()
    b.stop()
    got = tips_to(fake)
    assert got == Counter({s: 2 for s in students[1:]}), [
        (c.method, c.params, c.result) for c in fake.calls
        if int(c.params.get("chat_id", 0) or 0) in {k for k, v in got.items() if v != 2}]
    assert tip_bodies(fake, students[5]) == ["First tip", "Second tip"]
    [days] = _pg(url, ("SELECT day FROM tip_days ORDER BY day", []))
    assert [r["day"] for r in days] == ["2026-11-23", "2026-11-24"]
    [runs] = _pg(url, ("SELECT fire_time FROM job_runs WHERE job_id = 'avap-daily-tip'", []))
    assert len(runs) == 2  # one claim per fire time, whichever instance won it


# --- the admins' digest -------------------------------------------------------------------------
def test_digest_only_when_something_waits_a_day(fake_telegram: FakeTelegram,
                                                make_server) -> None:
    fake = fake_telegram
    env = {**GROUP_ENV, "DIGEST_TIME": "08:00"}
    srv = make_server("server", **env)
    took = start_at(srv, "2026-11-23 07:00:00")
    add_verified_student(srv, 700, name="Old Timer")
    # the server's clock is 2026-11-23; items are dated relative to it
    server_now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def at(hours: float) -> str:
        return (server_now - timedelta(hours=hours)).replace(tzinfo=None).isoformat(sep=" ")

    with db(srv) as conn:
        conn.execute("INSERT INTO submissions (telegram_id, module, type, content, status, "
                     "attempt, created_at, updated_at) VALUES (700, 'M1', 'text', 'work', "
                     "'submitted', 1, ?, ?)", (at(2), at(2)))  # fresh: not in the digest
        conn.execute("INSERT INTO questions (telegram_id, type, content, status, answered, "
                     "created_at) VALUES (700, 'text', 'fresh?', 'open', 0, ?)", (at(3),))
    srv.stop()
    start_at(srv, ahead_of("2026-11-23 08:00:00", took))
    group = Chat(fake, srv, ADMIN_ID, chat_id=ASSIGNMENT_GROUP)
    # past 08:00 the digest job ran (it logs "job ran" after its messages were queued, in the
    # transaction of the queueing): nothing waits a day, nothing was queued, nothing is sent
    eventually(lambda: _records(srv, job="avap-digest", job_outcome="ran"), timeout=60,
               what="the digest job of 08:00")
    assert [r["messages"] for r in _records(srv, msg="digest queued")] == [0]
    assert not [t for t in fake.sent_texts(None, AVAP_TOKEN) if "24 h" in t]
    with db(srv) as conn:
        assert conn.execute("SELECT COUNT(*) FROM job_runs WHERE job_id='avap-digest'"
                            ).fetchone()[0] == 1
        conn.execute("INSERT INTO submissions (telegram_id, module, type, content, status, "
                     "attempt, created_at, updated_at) VALUES (700, 'M2', 'text', 'work', "
                     "'submitted', 1, ?, ?)", (at(30), at(30)))
        conn.execute("INSERT INTO submissions (telegram_id, module, type, content, status, "
                     "attempt, created_at, updated_at) VALUES (700, 'M3', 'text', 'work', "
                     "'submitted', 1, ?, ?)", (at(50), at(50)))
        conn.execute("INSERT INTO questions (telegram_id, type, content, status, answered, "
                     "created_at) VALUES (700, 'text', 'how do I?', 'open', 0, ?)", (at(26),))
    srv.stop()
    start_at(srv, ahead_of("2026-11-24 08:00:00", took))
    fake.wait_for(lambda: [t for t in fake.sent_texts(QUESTIONS_GROUP, AVAP_TOKEN)
                           if "24 h" in t], timeout=30)
    subs = [t for t in fake.sent_texts(ASSIGNMENT_GROUP, AVAP_TOKEN) if "24 h" in t]
    assert len(subs) == 1
    # oldest first: M3 (50 h + a day) before M2; the fresh one of yesterday is a day old now
    assert subs[0].index("module M3") < subs[0].index("module M2") < subs[0].index("module M1")
    markup = [c for c in fake.calls_of("sendMessage", AVAP_TOKEN)
              if int(c.params["chat_id"]) == ASSIGNMENT_GROUP][-1].params["reply_markup"]
    labels = [label for label, _ in buttons(markup)]
    assert labels[0].startswith("📝 #") and len(labels) == 3
    questions = [t for t in fake.sent_texts(QUESTIONS_GROUP, AVAP_TOKEN) if "24 h" in t]
    assert len(questions) == 1 and "how do I?" in questions[0] and "fresh?" in questions[0]
    # a button shows the item with its Grade buttons
    data = buttons(markup)[0][1]
    uid = group.press(data)
    wait_done(fake, srv, uid)
    shown = fake.sent_texts(ASSIGNMENT_GROUP, AVAP_TOKEN)[-1]
    assert "Submission #" in shown and "/grade" in shown
