"""Polling mode (local development) and a group upgraded to a supergroup."""

from __future__ import annotations

import sqlite3
import time

import httpx

from avap_bot import texts
from tests.e2e.conftest import ADMIN_ID, AVAP_TOKEN, SHOP_TOKEN, ServerProcess, post_update
from tests.fakes import updates
from tests.fakes.telegram_api import Action, FakeTelegram


def test_polling_refuses_to_delete_a_live_webhook(fake_telegram: FakeTelegram,
                                                  make_server) -> None:
    fake_telegram.bot(AVAP_TOKEN).webhook_url = "https://live.example.com/webhook/avap"
    srv: ServerProcess = make_server(PUBLIC_URL="")
    srv.start(wait_ready=False)
    assert srv.proc is not None and srv.proc.wait(30) != 0
    assert "Polling would delete it" in srv.log_text()
    assert "--force" in srv.log_text()
    assert fake_telegram.calls_of("deleteWebhook") == []
    assert fake_telegram.bot(AVAP_TOKEN).webhook_url == "https://live.example.com/webhook/avap"


def test_polling_with_force_feeds_the_same_inbox(fake_telegram: FakeTelegram,
                                                 make_server) -> None:
    fake_telegram.bot(AVAP_TOKEN).webhook_url = "https://live.example.com/webhook/avap"
    fake_telegram.bot(AVAP_TOKEN).pending_updates.append(
        updates.message(77, "/start", user_id=801))
    srv: ServerProcess = make_server(PUBLIC_URL="")
    srv.start("--force")
    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(801, AVAP_TOKEN))
    assert fake_telegram.sent_texts(801, AVAP_TOKEN) == [texts.WELCOME_NEW]
    assert fake_telegram.bot(AVAP_TOKEN).webhook_url == ""
    assert fake_telegram.calls_of("setWebhook") == []

    def done() -> bool:
        with sqlite3.connect(srv.env["DATA_DIR"] + "/bot.db") as db:
            return db.execute("SELECT status FROM inbox WHERE update_id=77").fetchone() == (
                "done",)

    fake_telegram.wait_for(done)
    # the next getUpdates confirms the stored update (offset past it): it is not fetched again
    fake_telegram.wait_for(lambda: any(
        str(c.params.get("offset")) == "78" for c in fake_telegram.calls_of("getUpdates")))
    assert len(fake_telegram.sent_texts(801, AVAP_TOKEN)) == 1


def test_group_upgrade_is_followed_and_reported(fake_telegram: FakeTelegram,
                                                make_server) -> None:
    srv: ServerProcess = make_server(VERIFICATION_GROUP_ID="-555").start()
    post_update(fake_telegram, srv, "avap", updates.group_upgraded(5, -555, -100555))
    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(ADMIN_ID, AVAP_TOKEN))
    [alert] = fake_telegram.sent_texts(ADMIN_ID, AVAP_TOKEN)
    assert "VERIFICATION_GROUP_ID=-100555" in alert
    with sqlite3.connect(srv.env["DATA_DIR"] + "/bot.db") as db:
        assert db.execute("SELECT old_chat_id, new_chat_id FROM chat_migrations").fetchall() == [
            (-555, -100555)]
    # the shopping bot never sent anything about it
    assert fake_telegram.sent_texts(token=SHOP_TOKEN) == []


def test_fresh_checkout_serves_health_without_tokens(make_server) -> None:
    srv: ServerProcess = make_server(AVAP_BOT_TOKEN="", SHOPPING_BOT_TOKEN="", PUBLIC_URL="",
                                     LOG_FORMAT="text")
    # `serve` by name: with nothing configured the default command opens the sandbox
    # (tests/e2e/test_sandbox_mode.py)
    srv.start("serve")
    body = httpx.get(f"{srv.url}/health", timeout=5).json()
    assert body["status"] == "ok"
    assert body["bots"]["avap"] == {"state": "disabled", "enable_with": "AVAP_BOT_TOKEN"}
    assert body["bots"]["shopping"] == {"state": "disabled", "enable_with": "SHOPPING_BOT_TOKEN"}
    log = srv.log_text()
    assert "AVAP support bot disabled: set AVAP_BOT_TOKEN to enable it" in log
    assert "TimeToShopping bot disabled: set SHOPPING_BOT_TOKEN to enable it" in log


def test_seed_start_command_runs_the_same_server(fake_telegram: FakeTelegram, make_server) -> None:
    srv: ServerProcess = make_server()
    srv.module = "avap_bot.bot"
    srv.start()
    post_update(fake_telegram, srv, "avap", updates.message(1, "/help", user_id=811))
    fake_telegram.wait_for(lambda: fake_telegram.sent_texts(811, AVAP_TOKEN))
    assert fake_telegram.sent_texts(811, AVAP_TOKEN) == [texts.HELP]


def test_invalid_setting_stops_start_up_with_one_line(make_server) -> None:
    srv: ServerProcess = make_server(ADMIN_USER_IDS="12,abc")
    srv.start(wait_ready=False)
    assert srv.proc is not None and srv.proc.wait(20) == 2
    lines = [ln for ln in srv.log_text().splitlines() if ln.strip()]
    assert lines == ["configuration error: ADMIN_USER_IDS: expected numeric Telegram ids "
                     "separated by commas, e.g. 12345,67890"]


def test_sqlite_on_render_is_warned_about(make_server) -> None:
    srv: ServerProcess = make_server(RENDER="true").start()
    body = httpx.get(f"{srv.url}/health", timeout=5).json()
    assert any("not persistent" in w for w in body["warnings"])
    assert "not persistent" in srv.log_text()


def test_command_menus_are_set_together_so_readiness_does_not_wait_for_each(
        fake_telegram: FakeTelegram, make_server) -> None:
    """Every admin has a menu of their own (one setMyCommands each). With Telegram answering
    each in 0.4 s, six admins' menus set one after another held the bot's readiness back 2.4 s;
    set together they take one round trip."""
    admins = [ADMIN_ID, *range(9101, 9106)]
    fake_telegram.script("setMyCommands", *[Action(delay=0.4) for _ in range(12)])
    srv: ServerProcess = make_server(ADMIN_USER_IDS=",".join(map(str, admins)))
    srv.start()
    ready_at = time.time()
    menus = fake_telegram.calls_of("setMyCommands", AVAP_TOKEN)
    scopes = {int(c.params["scope"]["chat_id"]) for c in menus
              if isinstance(c.params.get("scope"), dict) and "chat_id" in c.params["scope"]}
    assert set(admins) <= scopes
    first = min(c.at for c in menus)
    assert ready_at - first < 1.5, ready_at - first
