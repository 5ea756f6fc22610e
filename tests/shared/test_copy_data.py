"""`python -m shared copy-data`: SQLite → PostgreSQL → SQLite leaves identical contents, a second
run changes nothing, and afterwards a new row goes into every table of each database."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, func, select, text

from shared.cli.copy_data import database_url, run
from shared.redact import mask_url
from shared.storage import Storage, open_storage
from shared.storage import schema as t
from shared.storage.copy import copied_tables, dependency_order
from shopping_bot.storage.analytics import Click
from tests.pg import PostgresServer

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres

TABLES = [tab.name for tab in copied_tables()]


# --- filling every table through the repositories ---------------------------------------------

async def fill(st: Storage, k: int, *, inbox_rows: int = 1) -> None:
    """Rows in every table; round ``k`` uses keys of its own, so a later round adds rows."""
    now = datetime.now(UTC)
    student, partner = 9000 + k, 9500 + k
    await st.inbox.add_many([("avap", 1000 * k + i, str(i), f'{{"update_id": {i}, "é": "ü"}}')
                             for i in range(inbox_rows)])
    await st.outbox.enqueue("sheets_upsert", {"table": "wins", "id": k, "nested": {"b": [1, 2],
                                              "a": "Zoë"}}, dedupe_key=f"dedupe-{k}")
    await st.outbox.enqueue("alert", {"text": f"round {k}"})
    await st.flows.save("avap", -1001234567890 - k, student, "ask_email", {"tries": k, "x": None})
    run_id = await st.jobs.claim("daily", datetime(2024, 1, 1, 9, tzinfo=UTC)
                                 + timedelta(days=k), "instance-1")
    assert run_id is not None
    await st.jobs.finish(run_id, "ok")
    assert await st.locks.acquire(f"lock-{k}", 60) is not None
    await st.cooldowns.start(f"alert:{k}", 3600)
    await st.chats.set_active("avap", student, False)
    await st.chats.set_active("shopping", partner, True)
    assert await st.chats.record_migration("avap", -(1000 + k), -1001000000000 - k)
    _, buyer = await st.avap.upsert_buyer(name="Zoë Ünïcode", email=f"b{k}@example.com",
                                          phone=f"+447700900{k:03d}", source="admin",
                                          added_by=1)
    await st.avap.upsert_buyer(name="Not claimed", email=None, phone=f"+447700901{k:03d}",
                               source="systeme", added_by=None)
    await st.avap.verify(buyer_id=buyer, telegram_id=student, username="zoe")
    assert await st.avap.add_admin(7000 + k, "Admin", 1)
    await st.avap.record_attempt(student)
    request = await st.avap.create_request(telegram_id=student, tg_name="Zoë", tg_username=None,
                                           buyer_id=buyer, kind="match", identifier="b@x")
    await st.avap.set_card("request", request, -100555, 42 + k)
    await st.avap.decide_request(request, "approved", 1)
    submission = await st.avap.create_submission(
        telegram_id=student, module="M1", kind="text", content="my answer", file_id=None,
        source_chat_id=student, source_message_id=10 + k)
    await st.avap.record_grade(submission["id"], 8, "good", 1)
    question = await st.avap.create_question(telegram_id=student, kind="photo", content=None,
                                             file_id="AgAD-file", source_chat_id=student,
                                             source_message_id=20 + k)
    await st.avap.record_answer(question["id"], "the answer", 1)
    await st.copilot.add_faq(f"FAQ question {k}?", "FAQ answer", 1)
    suggestion = await st.copilot.create_suggestion(question["id"], status="ready",
                                                    draft="the answer", source="from FAQ: x",
                                                    sendable=True)
    await st.copilot.decide(suggestion["id"], "sent", 1)
    await st.copilot.add_tokens(f"2024-03-{k + 1:02d}", 10 + k)
    await st.avap.share_win(telegram_id=student, kind="text", content="a win!", file_id=None,
                            source_chat_id=student, source_message_id=30 + k)
    broadcast = await st.avap.create_broadcast(created_by=1, audience="all", source_chat_id=1,
                                               source_message_id=200 + k, content="hello",
                                               kind="text")
    assert await st.avap.start_broadcast(broadcast, [student, partner], 1, 2)
    await st.avap.record_delivery(broadcast, student, "sent")
    await st.engagement.add_tip(f"tip {k}", None, 1, source=(1, 100 + k))
    if k == 0:  # a gap in the ids: the last tip is deleted
        await st.engagement.add_tip("deleted tip", None, 1, source=(1, 99))
        assert await st.engagement.delete_tip(2) is not None
    await st.engagement.set_tips(partner, False)
    assert await st.engagement.start_tip_day(f"2024-02-{k + 1:02d}") is not None
    await st.engagement.join_pool(20000 + 10 * k, "Ann", None, f"M{k}")
    assert await st.engagement.join_pool(20001 + 10 * k, "Bob", "bob", f"M{k}") is not None
    await st.engagement.join_pool(20002 + 10 * k, "Cat", None, f"X{k}")
    assert await st.crm.claim_message(f"msg-{k}", "contact.created")
    await st.crm.set_outcome(f"msg-{k}", "added")
    await st.shopping.touch_user(30000 + k, "shopper", "Ünï", None)
    await st.shopping.set_editor(31000 + k, True)
    post = await st.shopping.create_post(created_by=31000 + k, post_format="product",
                                         text="Buy this", title="T", source_key=f"1:{k}")
    await st.shopping.update_post(post, user_id=31000 + k,
                                  buttons=[{"label": "Buy", "url": "https://example.com/a"}])
    await st.shopping.create_post(created_by=31000 + k, post_format="tip")  # buttons SQL NULL
    links = await st.shopping.replace_links(post, [
        {"label": "Buy", "url": "https://example.com/a"},
        {"label": "More", "url": "https://example.com/b"}])
    old = datetime(2023, 1, 1, 12, tzinfo=UTC) + timedelta(days=k)
    await st.analytics.record_clicks([
        Click(post, links[0]["id"], "visitor-hash", old),
        Click(post, links[1]["id"], None, old),
        Click(post, links[1]["id"], None, now),  # metadata: the JSON document null
    ])
    assert await st.analytics.fold_day(old.date(), UTC) == 2


async def counts(st: Storage) -> dict[str, int]:
    async with st.db.read() as conn:
        return {tab.name: int((await conn.execute(select(func.count()).select_from(tab)))
                              .scalar_one()) for tab in copied_tables()}


def _normal(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return value


async def dump(st: Storage) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table by primary key, values normalised; JSON columns also say
    whether they are SQL NULL (apart from the JSON document null)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with st.db.read() as conn:
        for tab in copied_tables():
            nulls = [c.is_(None) for c in tab.columns if isinstance(c.type, JSON)]
            rows = await conn.execute(select(*tab.columns, *nulls)
                                      .order_by(*tab.primary_key.columns))
            out[tab.name] = [tuple(_normal(v) for v in row) for row in rows]
    return out


async def raw_dump(st: Storage) -> dict[str, list[tuple[Any, ...]]]:
    """SQLite only: the stored values themselves (no JSON: PostgreSQL reorders object keys)."""
    out = {}
    async with st.db.read() as conn:
        for tab in copied_tables():
            columns = ", ".join(f'"{c.name}"' for c in tab.columns
                                if not isinstance(c.type, JSON))
            keys = ", ".join(f'"{c.name}"' for c in tab.primary_key.columns)
            out[tab.name] = [tuple(r) for r in (await conn.exec_driver_sql(
                f"SELECT {columns} FROM {tab.name} ORDER BY {keys}")).all()]
    return out


async def opened(url: str) -> Storage:
    return await open_storage(database_url(url))


async def copy(source: str, target: str, **kwargs: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = await run(source, target, out=out, err=err, **kwargs)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    return postgres.create_database()


# --- the round trip -----------------------------------------------------------------------------

async def test_sqlite_postgres_sqlite_round_trip(tmp_path: Path, pg_url: str) -> None:
    a_url, c_url = f"sqlite:///{tmp_path}/a.db", str(tmp_path / "c.db")  # a URL and a path
    a = await opened(a_url)
    try:
        await fill(a, 0, inbox_rows=30)
        before = await counts(a)
        empty = sorted(name for name, n in before.items() if n == 0)
        assert not empty, f"the fill leaves tables empty: {empty}"
        assert set(before) == {tab.name for tab in t.all_tables().sorted_tables} - {
            "schema_migrations", "instances"}
        # SQL NULL and the JSON document null both occur, and must both survive
        async with a.db.read() as conn:
            assert (await conn.execute(text(
                "SELECT count(*) FROM analytics WHERE metadata IS NULL"))).scalar() == 0
            assert (await conn.execute(text(
                "SELECT count(*) FROM posts WHERE buttons IS NULL"))).scalar() == 1

        status, out, err = await copy(a_url, pg_url, batch_size=7)
        assert status == 0, out + err
        assert "inbox 30/30" in err
        status, out, err = await copy(pg_url, c_url, batch_size=4)
        assert status == 0, out + err
        for name in TABLES:
            assert f"{name} " in out
        assert "MISMATCH" not in out

        b, c = await opened(pg_url), await opened(c_url)
        try:
            dumped = await dump(a)
            assert await dump(b) == dumped
            assert await dump(c) == dumped
            assert await raw_dump(c) == await raw_dump(a)
            async with b.db.read() as conn:
                assert (await conn.execute(text(
                    "SELECT count(*) FROM posts WHERE buttons IS NULL"))).scalar() == 1

            # a second run changes nothing
            status, out, err = await copy(a_url, pg_url)
            assert status == 0, out + err
            assert await dump(b) == dumped
            assert await counts(b) == before

            # new rows in the source: a re-copy adds them
            await fill(a, 1)
            status, out, err = await copy(a_url, pg_url, batch_size=5)
            assert status == 0, out + err
            assert await dump(b) == await dump(a)

            # then every table of each database takes new rows (the sequences were moved)
            for st, k in ((a, 2), (b, 2), (c, 2)):
                old = await counts(st)
                await fill(st, k)
                new = await counts(st)
                assert not [n for n in TABLES if new[n] <= old[n]], (st.backend, old, new)
        finally:
            await b.close()
            await c.close()
    finally:
        await a.close()


async def test_postgres_sequences_are_moved_past_the_copied_ids(tmp_path: Path,
                                                                pg_url: str) -> None:
    a_url = str(tmp_path / "a.db")
    a = await opened(a_url)
    try:
        await a.inbox.add_many([("avap", i, "1", "{}") for i in range(5)])
    finally:
        await a.close()
    assert (await copy(a_url, pg_url))[0] == 0
    b = await opened(pg_url)
    try:
        await b.inbox.add_many([("avap", 99, "1", "{}")])
        async with b.db.read() as conn:
            ids = [r[0] for r in await conn.execute(text("SELECT id FROM inbox ORDER BY id"))]
        assert ids == [1, 2, 3, 4, 5, 6]
    finally:
        await b.close()


# --- what stops a copy --------------------------------------------------------------------------

async def test_a_row_on_another_unique_key_stops_the_copy(tmp_path: Path) -> None:
    a_url, d_url = str(tmp_path / "a.db"), str(tmp_path / "d.db")
    a, d = await opened(a_url), await opened(d_url)
    try:
        await a.shopping.touch_user(111, "a", None, None)  # id 1
        await d.shopping.touch_user(222, "d", None, None)  # id 1
        await d.shopping.touch_user(111, "d", None, None)  # id 2: same telegram_id, other id
    finally:
        await a.close()
        await d.close()
    status, _, err = await copy(a_url, d_url)
    assert status == 1
    assert "table users" in err and "unique" in err.lower()


async def test_counts_that_differ_are_a_mismatch(tmp_path: Path) -> None:
    a_url, d_url = str(tmp_path / "a.db"), str(tmp_path / "d.db")
    a, d = await opened(a_url), await opened(d_url)
    try:
        await a.avap.add_admin(1, "one", 1)
        await d.avap.add_admin(2, "only in the target", 1)
    finally:
        await a.close()
        await d.close()
    status, out, _ = await copy(a_url, d_url)
    assert status == 1
    line = next(x for x in out.splitlines() if x.startswith("admins "))
    assert line.split()[1:] == ["1", "2", "MISMATCH"]
    assert next(x for x in out.splitlines() if x.startswith("tips ")).endswith("ok")


async def test_refuses_a_source_at_another_schema_version(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    old.touch()  # an SQLite file without any migration
    status, _, err = await copy(str(old), str(tmp_path / "new.db"))
    assert status == 2
    assert "schema version 0" in err and "python -m shared migrate" in err
    assert not (tmp_path / "new.db").exists()


async def test_refuses_a_missing_source_and_the_same_database(tmp_path: Path) -> None:
    status, _, err = await copy(str(tmp_path / "missing.db"), str(tmp_path / "b.db"))
    assert status == 2 and "does not exist" in err
    assert not (tmp_path / "missing.db").exists()
    a = await opened(str(tmp_path / "a.db"))
    await a.close()
    status, _, err = await copy(str(tmp_path / "a.db"), f"sqlite:///{tmp_path}/a.db")
    assert status == 2 and "same database" in err
    status, _, err = await copy("mysql://u:pw@h/db", str(tmp_path / "b.db"))
    assert status == 2 and "unsupported" in err and "pw" not in err


async def test_a_connection_failure_is_reported_without_the_password(tmp_path: Path) -> None:
    a = await opened(str(tmp_path / "a.db"))
    await a.close()
    status, out, err = await copy(str(tmp_path / "a.db"),
                                  "postgresql://user:Secr3t-pw@127.0.0.1:1/db")
    assert status == 1, out + err
    assert "copy-data: failed" in err
    assert "user:***@127.0.0.1:1" in out
    assert "Secr3t-pw" not in out + err


def test_urls() -> None:
    assert database_url("postgres://u:p@h:6543/db") == "postgresql+asyncpg://u:p@h:6543/db"
    assert database_url("sqlite:///data/bot.db") == "sqlite+aiosqlite:///data/bot.db"
    assert database_url("/srv/bot.db") == "sqlite+aiosqlite:////srv/bot.db"
    assert mask_url("postgresql+asyncpg://u:s3cret@h:5432/db") == (
        "postgresql+asyncpg://u:***@h:5432/db")


def test_children_come_after_their_parents() -> None:
    ordered = [tab.name for tab in dependency_order(
        copied_tables(), {"analytics": {"posts"}, "post_links": {"posts"}})]
    assert ordered.index("posts") < ordered.index("analytics")
    assert ordered.index("posts") < ordered.index("post_links")
    assert sorted(ordered) == sorted(TABLES)


# --- the command line ---------------------------------------------------------------------------

def test_command_line_prints_the_counts_and_masks_the_password(tmp_path: Path,
                                                               postgres: PostgresServer) -> None:
    a_url = f"sqlite:///{tmp_path}/a.db"

    async def make_source() -> None:
        st = await opened(a_url)
        try:
            await st.avap.add_admin(5, "five", 1)
        finally:
            await st.close()

    asyncio.run(make_source())
    # the test cluster trusts every connection: the password is accepted and must never show
    target = postgres.create_database().replace(f"{postgres.user}@",
                                                f"{postgres.user}:Pa55-w0rd-x@")
    done = subprocess.run([sys.executable, "-m", "shared", "copy-data", "--from", a_url,
                           "--to", target], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Pa55-w0rd-x" not in done.stdout + done.stderr
    assert f"{postgres.user}:***@" in done.stdout
    admins = next(x for x in done.stdout.splitlines() if x.startswith("admins "))
    assert admins.split()[1:] == ["1", "1", "ok"]
    assert f"all {len(TABLES)} tables match" in done.stdout
