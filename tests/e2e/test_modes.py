"""Polling mode (local development) and a group upgraded to a supergroup."""

from __future__ import annotations

import sqlite3

from avap_bot import texts
from tests.e2e.conftest import ADMIN_ID, AVAP_TOKEN, SHOP_TOKEN, ServerProcess, post_update
from tests.fakes import updates
from tests.fakes.telegram_api import FakeTelegram


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
    with sqlite3.connect(srv.env["DATA_DIR"] + "/bot.db") as db:
        assert db.execute("SELECT status FROM inbox WHERE update_id=77").fetchone() == ("done",)
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
