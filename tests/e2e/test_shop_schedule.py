"""Scheduling and the publisher end to end (real server, fake Telegram): the calendar and the
time picker in SCHEDULER_TIMEZONE (a past time refused), a due post published once and its author
told with a link, once also with two servers on one PostgreSQL database, and a post that came
due while the server was stopped: published on start within MISSED_POST_GRACE, beyond it marked
missed and the admins asked (with buttons). Posts are inserted with the repository on the
server's database (the compose flow has its own tests)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from shared.config import normalise_database_url
from shared.storage import open_storage
from shopping_bot import callbacks as cb
from shopping_bot import texts
from shopping_bot.storage import tables as shop_tables
from tests.e2e.conftest import SHOP_TOKEN, ServerProcess
from tests.e2e.shopping import CHANNEL_ID, EDITOR_ID, Editor, channel_calls, posts, shop_server
from tests.eventually import eventually
from tests.fakes.telegram_api import FakeTelegram
from tests.pg import PostgresServer

pytestmark = pytest.mark.e2e

TZ_NAME = "Asia/Yerevan"
TZ = ZoneInfo(TZ_NAME)
FAST = {"PUBLISH_CHECK_SECONDS": "1", "SCHEDULER_TIMEZONE": TZ_NAME}
OTHER_AUTHOR = 7002


# --- the server's database, through the repository -----------------------------------------------
def db_url(srv: ServerProcess) -> str:
    url = srv.env.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite+aiosqlite:///{srv.env['DATA_DIR']}/bot.db"


def run_db(srv: ServerProcess, work: Any) -> Any:
    """Run ``await work(storage)`` on the server's database."""
    async def go() -> Any:
        storage = await open_storage(db_url(srv))
        try:
            return await work(storage)
        finally:
            await storage.close()
    return asyncio.run(go())


def add_post(srv: ServerProcess, text: str = "<b>Winter sale</b> 30% &amp; more", *,
             title: str | None = "Winter sale", status: str = "draft",
             publish_at: datetime | None = None, author: int = EDITOR_ID,
             media_type: str | None = None, file_id: str | None = None,
             separate_text: bool = False, buttons: list[dict] | None = None,
             **columns: Any) -> int:
    """A post in ``status`` (draft, scheduled at ``publish_at``, or anything with ``columns``
    written as they are: published_at, channel_message_id...)."""
    async def work(storage: Any) -> int:
        repo = storage.shopping
        pid = await repo.create_post(created_by=author, post_format="sale", text=text,
                                     title=title)
        await repo.update_post(pid, media_type=media_type, file_id=file_id,
                               separate_text=separate_text, buttons=buttons or [], action=None)
        if status == "scheduled":
            assert await repo.schedule_post(pid, publish_at, user_id=author)
        elif status != "draft" or columns:
            async with storage.db.write() as c:
                posts = shop_tables.posts
                await c.execute(update(posts).where(posts.c.id == pid).values(
                    status=status, **columns))
        return pid
    return run_db(srv, work)


def set_columns(srv: ServerProcess, pid: int, **values: Any) -> None:
    async def work(storage: Any) -> None:
        async with storage.db.write() as c:
            posts = shop_tables.posts
            await c.execute(update(posts).where(posts.c.id == pid).values(**values))
    run_db(srv, work)


def get_post(srv: ServerProcess, pid: int) -> dict[str, Any]:
    return run_db(srv, lambda storage: storage.shopping.get_post(pid))


def local_now() -> datetime:
    return datetime.now(TZ)


def sent_to(fake: FakeTelegram, chat_id: int) -> list[Any]:
    return [c for c in fake.calls_of("sendMessage", SHOP_TOKEN)
            if str(c.params.get("chat_id")) == str(chat_id) and c.error is None]


def buttons_of(call: Any) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", [])
            for b in row]


def delivered(fake: FakeTelegram, method_prefix: str = "send") -> list[Any]:
    """What the channel got: calls Telegram answered with success (scripted refusals out)."""
    return [c for c in channel_calls(fake, method_prefix) if c.result is not None]


def channel_texts(fake: FakeTelegram) -> list[str]:
    return [str(c.params.get("text", c.params.get("caption"))) for c in delivered(fake)]


def answers(fake: FakeTelegram) -> list[str]:
    return [str(c.params.get("text", "")) for c in fake.calls_of("answerCallbackQuery",
                                                                    SHOP_TOKEN)]


# --- the calendar and the time picker ------------------------------------------------------------
def test_schedule_with_calendar_typed_time_published_once(fake_telegram: FakeTelegram,
                                                          make_server) -> None:
    fake = fake_telegram
    srv = shop_server(make_server, **FAST)
    pid = add_post(srv)
    editor = Editor(fake, srv)
    editor.tap(cb.SchedulePost(pid).pack())
    opened = editor.calls("sendMessage")[-1]
    assert TZ_NAME in opened.params["text"]
    today = local_now().date()
    day_data = cb.ScheduleDay(pid, today.strftime("%Y%m%d")).pack()
    assert day_data in [d for _, d in buttons_of(opened)]
    yesterday = (today - timedelta(days=1)).strftime("%Y%m%d")
    assert cb.ScheduleDay(pid, yesterday).pack() not in [d for _, d in buttons_of(opened)]
    # the next month's page
    nxt = next(d for label, d in buttons_of(opened) if label == texts.CAL_NEXT)
    editor.tap(nxt)
    paged = editor.calls("editMessageText")[-1]
    assert any(d.startswith("sd:") and d.endswith("01") for _, d in buttons_of(paged))

    editor.tap(day_data)
    hours = editor.calls("editMessageText")[-1]
    assert TZ_NAME in hours.params["text"]
    hour = local_now().hour
    first_hour = next((label for label, d in buttons_of(hours) if d.startswith("sh:")), None)
    assert first_hour in (f"{hour:02d}", f"{hour + 1:02d}", None)  # past hours are blank
    # a time in the past is refused (the step stays: a good time is accepted next)
    if local_now().hour > 0 or local_now().minute >= 2:
        past = max(local_now() - timedelta(minutes=2), local_now().replace(hour=0, minute=0))
        editor.say(past.strftime("%H:%M"))
        assert texts.SCHEDULE_PAST.split("{")[0] in editor.calls("sendMessage")[-1].params["text"]
        assert posts(srv)[0]["status"] == "draft"
    editor.say("25:99")
    assert editor.calls("sendMessage")[-1].params["text"] == texts.SCHEDULE_BAD_TIME
    target = (local_now() + timedelta(minutes=2)).replace(second=0, microsecond=0)
    if target.date() != today:  # just before midnight: pick tomorrow first
        editor.tap(cb.ScheduleDay(pid, target.strftime("%Y%m%d")).pack())
    editor.say(target.strftime("%H:%M"))
    done = editor.calls("sendMessage")[-1]
    assert done.params["text"].startswith("✅") and TZ_NAME in done.params["text"]
    assert target.strftime("%d.%m.%Y %H:%M") in done.params["text"]
    assert cb.Unschedule(pid).pack() in [d for _, d in buttons_of(done)]
    row = get_post(srv, pid)
    assert row["status"] == "scheduled" and row["publish_at"] == target.astimezone(UTC)
    assert not channel_calls(fake)

    # fast-forward: the post comes due in a moment
    set_columns(srv, pid, publish_at=datetime.now(UTC) + timedelta(seconds=1))
    fake.wait_for(lambda: channel_calls(fake), timeout=15)
    fake.wait_for(lambda: [c for c in sent_to(fake, EDITOR_ID)
                           if "t.me/c/2000000001/" in c.params["text"]], timeout=15)
    time.sleep(2.5)
    assert channel_texts(fake) == ["<b>Winter sale</b> 30% &amp; more"]
    # the row is marked published once Telegram has answered: wait for that, not for a guess
    eventually(lambda: get_post(srv, pid)["status"] == "published")
    row = get_post(srv, pid)
    assert row["status"] == "published" and row["channel_message_id"]
    link = f"https://t.me/c/2000000001/{row['channel_message_id']}"
    told = [c.params["text"] for c in sent_to(fake, EDITOR_ID) if link in c.params["text"]]
    assert len(told) == 1 and "Winter sale" in told[0]
    history = run_db(srv, lambda s: s.shopping.history(pid))
    assert [h["action"] for h in history] == ["created", "scheduled", "published"]


# --- two servers on one PostgreSQL database -------------------------------------------------------
@pytest.mark.postgres
def test_two_servers_publish_each_post_once(fake_telegram: FakeTelegram, make_server,
                                            postgres: PostgresServer) -> None:
    fake = fake_telegram
    url = postgres.create_database()
    env = {**FAST, "DATABASE_URL": url}
    a = shop_server(make_server, "a", **env)
    b = shop_server(make_server, "b", **env)
    soon = datetime.now(UTC) + timedelta(seconds=2)
    pids = [add_post(a, f"Post number {i}", title=f"P{i}", status="scheduled",
                     publish_at=soon + timedelta(milliseconds=300 * i)) for i in range(4)]
    fake.wait_for(lambda: len(channel_calls(fake)) >= 4, timeout=20)
    fake.wait_for(lambda: len([c for c in sent_to(fake, EDITOR_ID)
                               if "t.me/c/" in c.params["text"]]) >= 4, timeout=20)
    # every post is marked published (after Telegram answered); stopped, the servers have
    # finished whatever they were doing: all they sent is in
    eventually(lambda: {get_post(a, pid)["status"] for pid in pids} == {"published"})
    a.stop()
    b.stop()
    assert sorted(channel_texts(fake)) == [f"Post number {i}" for i in range(4)]
    assert {get_post(a, pid)["status"] for pid in pids} == {"published"}
    assert len([c for c in sent_to(fake, EDITOR_ID) if "t.me/c/" in c.params["text"]]) == 4
    assert all(str(c.params["chat_id"]) == str(CHANNEL_ID) for c in channel_calls(fake))
    # both instances ran the publisher (each tick is claimed by one of them)
    for srv in (a, b):
        assert [r for r in srv.log_records() if r.get("job") == "shopping-publisher"]


# --- asleep across the due time ------------------------------------------------------------------
def test_asleep_within_grace_published_beyond_missed(fake_telegram: FakeTelegram,
                                                     make_server) -> None:
    fake = fake_telegram
    srv = make_server("server", SHOPPING_CHANNEL_ID=str(CHANNEL_ID), MISSED_POST_GRACE="10m",
                      PUBLISH_CHECK_SECONDS="60", SCHEDULER_TIMEZONE=TZ_NAME).start()
    srv.stop()
    now = datetime.now(UTC)
    recent = add_post(srv, "Came due while asleep", status="scheduled",
                      publish_at=now - timedelta(minutes=3))
    old = add_post(srv, "Far too late", title="Late one", status="scheduled",
                   publish_at=now - timedelta(hours=2), author=OTHER_AUTHOR)
    # left in "publishing" by a process that died: with its message id it reached the channel;
    # without, nobody knows: failed, and the editors are asked to check the channel first
    reached = add_post(srv, "Reached", status="publishing", claim_token="dead",
                       claimed_until=now - timedelta(minutes=1), channel_message_id=77)
    unknown = add_post(srv, "Unknown", title="Unsure", status="publishing", claim_token="dead",
                       claimed_until=now - timedelta(minutes=1))
    srv.start()
    fake.wait_for(lambda: channel_calls(fake), timeout=15)
    fake.wait_for(lambda: sent_to(fake, OTHER_AUTHOR), timeout=15)
    # every post settled (a publication is marked after Telegram answered): none goes out again
    eventually(lambda: [get_post(srv, p)["status"] for p in (recent, old, reached, unknown)]
               == ["published", "missed", "published", "failed"])
    assert channel_texts(fake) == ["Came due while asleep"]
    assert get_post(srv, recent)["status"] == "published"
    assert get_post(srv, old)["status"] == "missed"
    assert get_post(srv, reached)["status"] == "published"
    row = get_post(srv, unknown)
    assert row["status"] == "failed" and row["last_error"] == texts.STALE_REASON
    fake.wait_for(lambda: [c for c in sent_to(fake, EDITOR_ID) if "Unsure" in c.params["text"]],
                  timeout=10)
    [warned] = [c for c in sent_to(fake, EDITOR_ID) if "Unsure" in c.params["text"]]
    assert cb.RetryPost(unknown).pack() in [d for _, d in buttons_of(warned)]
    # the owner and the author are asked, with buttons
    for admin in (EDITOR_ID, OTHER_AUTHOR):
        [asked] = [c for c in sent_to(fake, admin) if "Late one" in c.params["text"]]
        assert TZ_NAME in asked.params["text"]
        data = [d for _, d in buttons_of(asked)]
        assert cb.RetryPost(old).pack() in data and cb.SchedulePost(old).pack() in data
        assert cb.Unschedule(old).pack() in data
    # a restart asks nobody again and publishes nothing more
    srv.stop()
    srv.start()
    time.sleep(2)
    assert len(channel_calls(fake)) == 1
    assert len([c for c in sent_to(fake, OTHER_AUTHOR) if "Late one" in c.params["text"]]) == 1
    # the owner answers "publish now"
    editor = Editor(fake, srv)
    editor.tap(cb.RetryPost(old).pack())
    assert channel_texts(fake) == ["Came due while asleep", "Far too late"]
    assert get_post(srv, old)["status"] == "published"
    assert "t.me/c/2000000001/" in editor.calls("sendMessage")[-1].params["text"]
