"""The server on Supabase's REST API (issue 7): SUPABASE_URL + SUPABASE_KEY without DATABASE_URL,
against the fake PostgREST on the CI PostgreSQL, over real HTTP on both sides."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg

from avap_bot import callbacks as cb
from avap_bot import texts
from shared.config import normalise_database_url
from shared.storage import open_storage
from tests.e2e.avap import ADMIN_ID, GROUP_ENV, VERIFICATION_GROUP, Chat, buttons
from tests.e2e.conftest import AVAP_TOKEN
from tests.fakes.postgrest import FakePostgrest
from tests.fakes.telegram_api import FakeTelegram


def _migrate(url: str) -> None:
    async def run() -> None:
        await (await open_storage(normalise_database_url(url))).close()
    asyncio.run(run())


def _query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()
    return asyncio.run(run())


def _rest_env(supabase: FakePostgrest, key: str = FakePostgrest.SERVICE_KEY) -> dict[str, str]:
    return {**GROUP_ENV, "SUPABASE_URL": supabase.url, "SUPABASE_KEY": key}


def test_without_the_schema_the_server_refuses_to_start_with_one_line(
        supabase: FakePostgrest, make_server: Any) -> None:
    srv = make_server(**_rest_env(supabase))
    srv.start(wait_ready=False)
    assert srv.proc is not None
    code = srv.proc.wait(30)
    assert code != 0
    log = srv.log_text()
    assert "python -m shared sql" in log and "Traceback" not in log
    assert FakePostgrest.SERVICE_KEY not in log


def test_a_student_verifies_on_the_rest_backend(
        supabase: FakePostgrest, fake_telegram: FakeTelegram, make_server: Any) -> None:
    _migrate(supabase.database_url)
    srv = make_server(**_rest_env(supabase)).start()
    assert "storage: Supabase REST API" in srv.log_text()

    owner = Chat(fake_telegram, srv, ADMIN_ID)
    owner.send("/addstudent Ann Smith Ann@Example.com")
    assert owner.wait_texts(1)[0].startswith("✅ Added: Ann Smith (ann@example.com)")
    ann = Chat(fake_telegram, srv, 301)
    ann.send("/start")
    assert ann.wait_texts(1)[0] == texts.WELCOME_NEW
    ann.send("ann@example.com")
    assert ann.wait_texts(2)[1] == texts.VERIFY_MATCHED.format(name="Ann Smith")

    def cards() -> list:
        return [c for c in fake_telegram.calls_of("sendMessage", AVAP_TOKEN)
                if int(c.params["chat_id"]) == VERIFICATION_GROUP]

    fake_telegram.wait_for(cards)
    card = cards()[0]
    data = next(d for _, d in buttons(card.params["reply_markup"])
                if d.startswith(cb.Approve.prefix))
    Chat(fake_telegram, srv, ADMIN_ID, chat_id=VERIFICATION_GROUP).press(
        data, message_id=card.result["message_id"])
    assert ann.wait_texts(3)[2] == texts.VERIFY_APPROVED.format(name="Ann Smith")

    # the data is in Supabase's database, written through PostgREST as service_role
    rows = _query(supabase.database_url,
                  "SELECT status FROM verified_users WHERE telegram_id = 301")
    assert [r["status"] for r in rows] == ["verified"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        pending = _query(supabase.database_url,
                         "SELECT count(*) AS n FROM inbox WHERE status <> 'done'")[0]["n"]
        if pending == 0:
            break
        time.sleep(0.1)
    assert pending == 0
    paths = {r.path for r in supabase.requests}
    assert {"/rest/v1/rpc/app_inbox_add", "/rest/v1/rpc/app_inbox_claim"} <= paths
    assert all(r.headers.get("apikey") == FakePostgrest.SERVICE_KEY for r in supabase.requests)
    assert not [r for r in supabase.requests if r.status >= 500]


def test_database_url_wins_and_the_log_says_so(
        supabase: FakePostgrest, postgres: Any, make_server: Any) -> None:
    url = postgres.create_database()
    srv = make_server(DATABASE_URL=url, **_rest_env(supabase)).start()
    log = srv.log_text()
    assert "SUPABASE_URL and SUPABASE_KEY are not used for storage" in log
    assert not supabase.requests


def test_a_scheduled_post_is_published_and_its_clicks_counted_over_rest(
        supabase: FakePostgrest, fake_telegram: FakeTelegram, make_server: Any) -> None:
    from datetime import timedelta

    import httpx

    from shared.storage import utcnow
    from tests.conftest import open_supabase_storage
    from tests.e2e.conftest import EDITOR_ID
    from tests.e2e.shopping import SHOP_ENV, channel_calls

    async def prepare() -> tuple[int, str]:
        st = await open_supabase_storage(supabase)
        try:
            repo = st.shopping
            pid = await repo.create_post(created_by=EDITOR_ID, post_format="sale",
                                         text="Մեծ զեղչ", title="Sale")
            buttons = [{"label": "Գնել", "url": "https://shop.example/sale"}]
            assert await repo.update_post(pid, buttons=buttons)
            [link] = await repo.replace_links(pid, buttons)
            assert await repo.schedule_post(pid, utcnow() - timedelta(seconds=5),
                                            user_id=EDITOR_ID)
            return pid, link["code"]
        finally:
            await st.close()

    post_id, code = asyncio.run(prepare())
    srv = make_server(**SHOP_ENV, **_rest_env(supabase)).start()
    fake_telegram.wait_for(lambda: channel_calls(fake_telegram), timeout=20)
    [sent] = channel_calls(fake_telegram)
    assert "Մեծ զեղչ" in sent.params["text"] and code in str(sent.params["reply_markup"])

    async def click(n: int) -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=20) as client:
            return await asyncio.gather(*(client.get(f"{srv.url}/r/{code}") for _ in range(n)))

    def published() -> bool:
        rows = _query(supabase.database_url, "SELECT status FROM posts WHERE id = $1", post_id)
        return rows[0]["status"] == "published"

    fake_telegram.wait_for(published, timeout=10)
    responses = asyncio.run(click(30))
    assert [r.status_code for r in responses] == [302] * 30
    assert {r.headers["location"] for r in responses} == {"https://shop.example/sale"}
    rows = _query(supabase.database_url,
                  "SELECT count(*) AS n FROM analytics WHERE action = 'click' AND post_id = $1",
                  post_id)
    assert rows[0]["n"] == 30
    time.sleep(1)
    assert len(channel_calls(fake_telegram)) == 1          # published once


def test_kill_9_and_a_duplicate_delivery_lose_nothing_over_rest(
        supabase: FakePostgrest, fake_telegram: FakeTelegram, make_server: Any) -> None:
    from tests.e2e.conftest import post_update
    from tests.fakes import updates
    from tests.fakes.telegram_api import Action

    _migrate(supabase.database_url)
    srv = make_server(**_rest_env(supabase)).start()
    # the reply hangs in the Bot API: the handler is still running when the server is killed
    fake_telegram.script("sendMessage", Action(delay=60))
    update = updates.message(1, "/start", user_id=611)
    assert post_update(fake_telegram, srv, "avap", update).status_code == 200
    assert post_update(fake_telegram, srv, "avap", update).status_code == 200   # Telegram resends
    fake_telegram.wait_for(lambda: fake_telegram.calls_of("sendMessage"))
    srv.kill9()

    srv.start()
    fake_telegram.wait_for(lambda: len(fake_telegram.sent_texts(611)) >= 2, timeout=30)

    def status() -> list[str]:
        return [r["status"] for r in _query(
            supabase.database_url,
            "SELECT status FROM inbox WHERE bot = 'avap' AND update_id = 1")]

    fake_telegram.wait_for(lambda: status() == ["done"], timeout=15)
    assert fake_telegram.sent_texts(611) == [texts.WELCOME_NEW, texts.WELCOME_NEW]
