"""Acceptance 1-3 and 8 of the platform: the real server, a fake Bot API, real HTTP."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time

import httpx

from avap_bot import texts as avap_texts
from shopping_bot import texts as shop_texts
from tests.e2e.avap import wait_done
from tests.e2e.conftest import (
    AVAP_TOKEN,
    EDITOR_ID,
    SHOP_TOKEN,
    ServerProcess,
    post_update,
)
from tests.fakes import updates
from tests.fakes.telegram_api import Action, FakeTelegram


def _db(srv: ServerProcess) -> sqlite3.Connection:
    return sqlite3.connect(srv.env["DATA_DIR"] + "/bot.db")


def test_start_registers_webhooks_and_menus(fake_telegram: FakeTelegram,
                                            server: ServerProcess) -> None:
    for token, bot in ((AVAP_TOKEN, "avap"), (SHOP_TOKEN, "shopping")):
        state = fake_telegram.bot(token)
        assert state.webhook_url == f"{server.url}/webhook/{bot}"
        assert state.secret_token and len(state.secret_token) >= 32
        [call] = fake_telegram.calls_of("setWebhook", token)
        assert call.params["drop_pending_updates"] in (False, "false", "False")
    avap_menus = fake_telegram.bot(AVAP_TOKEN).commands
    assert '{"type": "default"}' in avap_menus
    shop_menus = fake_telegram.bot(SHOP_TOKEN).commands
    # the editors' commands only in the editors' chats, not for everyone
    assert list(shop_menus) == [json.dumps({"chat_id": EDITOR_ID, "type": "chat"},
                                           sort_keys=True)]
    # the two bots have different secrets
    assert fake_telegram.bot(AVAP_TOKEN).secret_token != fake_telegram.bot(SHOP_TOKEN).secret_token


def test_both_bots_answer_start(fake_telegram: FakeTelegram, server: ServerProcess) -> None:
    r = post_update(fake_telegram, server, "avap", updates.message(1, "/start", user_id=501))
    assert r.status_code == 200
    r = post_update(fake_telegram, server, "shopping",
                    updates.message(1, "/start", user_id=EDITOR_ID))
    assert r.status_code == 200
    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(501, AVAP_TOKEN))
    assert fake_telegram.sent_texts(501, AVAP_TOKEN) == [avap_texts.WELCOME_NEW]
    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(EDITOR_ID, SHOP_TOKEN))
    [greeting] = fake_telegram.sent_texts(EDITOR_ID, SHOP_TOKEN)
    assert greeting.startswith(shop_texts.WELCOME.split("{")[0])


def test_bad_requests_are_refused_and_store_nothing(fake_telegram: FakeTelegram,
                                                    server: ServerProcess) -> None:
    good = updates.message(10, "/start", user_id=502)
    assert post_update(fake_telegram, server, "avap", good, secret="wrong").status_code == 401
    r = httpx.post(f"{server.url}/webhook/avap", json=good, timeout=5)  # no secret at all
    assert r.status_code == 401
    # one bot's secret does not open the other's route
    shop_secret = fake_telegram.bot(SHOP_TOKEN).secret_token
    assert post_update(fake_telegram, server, "avap", good,
                       secret=shop_secret).status_code == 401
    assert post_update(fake_telegram, server, "avap", b"{not json").status_code == 400
    assert post_update(fake_telegram, server, "avap", b"[1, 2, 3]").status_code == 400
    assert post_update(fake_telegram, server, "avap", b'{"message": {}}').status_code == 400
    assert post_update(fake_telegram, server, "avap", b'{"update_id": "7"}').status_code == 400
    big = json.dumps({"update_id": 11, "pad": "x" * (2 * 1024 * 1024)})
    assert post_update(fake_telegram, server, "avap", big).status_code == 400
    assert post_update(fake_telegram, server, "nosuchbot", good).status_code == 404
    with _db(server) as db:
        assert db.execute("SELECT count(*) FROM inbox").fetchone()[0] == 0
    # an update type no handler takes: acknowledged, handled as "nothing to do"
    post = {"update_id": 12, "channel_post": {
        "message_id": 5, "date": int(time.time()), "text": "hello channel",
        "chat": {"id": -100777, "type": "channel", "title": "News"}}}
    assert post_update(fake_telegram, server, "avap", post).status_code == 200
    fake_telegram.wait_for(lambda: _db(server).execute(
        "SELECT status FROM inbox WHERE update_id = 12").fetchone() == ("done",))
    time.sleep(0.3)
    assert fake_telegram.sent_texts(502) == []
    assert "Traceback" not in server.log_text()


def test_duplicates_get_exactly_one_reply(fake_telegram: FakeTelegram,
                                          server: ServerProcess) -> None:
    once = updates.message(20, "/help", user_id=503)
    assert post_update(fake_telegram, server, "avap", once).status_code == 200
    assert post_update(fake_telegram, server, "avap", once).status_code == 200

    burst = updates.message(21, "/help", user_id=504)
    secret = fake_telegram.bot(AVAP_TOKEN).secret_token

    async def fifty() -> list[int]:
        async with httpx.AsyncClient(timeout=10) as client:
            responses = await asyncio.gather(*(
                client.post(f"{server.url}/webhook/avap", json=burst,
                            headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                for _ in range(50)))
        return [r.status_code for r in responses]

    assert asyncio.run(fifty()) == [200] * 50
    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(503) and fake_telegram.sent_texts(504))
    time.sleep(1.0)  # time for any duplicate to show up
    assert fake_telegram.sent_texts(503) == [avap_texts.HELP]
    assert fake_telegram.sent_texts(504) == [avap_texts.HELP]


def test_429_is_waited_out_and_the_message_is_sent(fake_telegram: FakeTelegram,
                                                   server: ServerProcess) -> None:
    fake_telegram.script("sendMessage", Action(error_code=429, retry_after=1))
    post_update(fake_telegram, server, "avap", updates.message(30, "/help", user_id=505))
    fake_telegram.wait_for(lambda: len(fake_telegram.calls_of("sendMessage")) >= 2, timeout=15)
    first, second = fake_telegram.calls_of("sendMessage")[:2]
    assert second.at - first.at >= 1.0
    assert second.params["text"] == avap_texts.HELP
    time.sleep(0.5)
    assert len(fake_telegram.calls_of("sendMessage")) == 2


def test_403_marks_the_user_inactive(fake_telegram: FakeTelegram, server: ServerProcess) -> None:
    fake_telegram.blocked_chats.add(506)
    post_update(fake_telegram, server, "avap", updates.message(40, "/help", user_id=506))

    def marked() -> bool:
        with _db(server) as db:
            row = db.execute("SELECT active FROM bot_chats WHERE bot='avap' AND chat_id=506"
                             ).fetchone()
        return row is not None and row[0] == 0

    fake_telegram.wait_for(marked)
    time.sleep(0.5)
    # not retried, no apology sent after it, and the update counts as handled (marked done
    # after the handler returns, a moment after the chat was marked inactive)
    assert len(fake_telegram.calls_of("sendMessage")) == 1
    wait_done(fake_telegram, server, 40)
    with _db(server) as db:
        assert db.execute("SELECT status FROM inbox WHERE update_id = 40").fetchone() == ("done",)


def test_health_answers_get_and_head_without_secrets(fake_telegram: FakeTelegram,
                                                     server: ServerProcess) -> None:
    r = httpx.get(f"{server.url}/health", timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["storage"] == {"backend": "sqlite", "ok": True}
    assert body["bots"]["avap"]["state"] == "ready"
    assert body["bots"]["shopping"]["state"] == "ready"
    assert {j["id"] for j in body["scheduler"]} >= {"housekeeping", "outbox", "memory",
                                                     "keepalive"}
    assert body["backlog"]["inbox"] == {"pending": 0, "dead": 0}
    assert 0 < body["memory_mb"] < 1024
    text = r.text
    for secret in (AVAP_TOKEN, SHOP_TOKEN, AVAP_TOKEN.split(":")[1],
                   fake_telegram.bot(AVAP_TOKEN).secret_token):
        assert secret not in text
    assert httpx.head(f"{server.url}/health", timeout=5).status_code == 200
