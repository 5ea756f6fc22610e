"""Acceptance 4: kill -9 of the server loses neither an update nor a user's place in a flow."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from avap_bot import texts
from tests.e2e.conftest import ServerProcess, post_update
from tests.fakes import updates
from tests.fakes.telegram_api import Action, FakeTelegram


def _db(srv: ServerProcess) -> sqlite3.Connection:
    return sqlite3.connect(srv.env["DATA_DIR"] + "/bot.db")


def _status(srv: ServerProcess, update_id: int) -> str | None:
    with _db(srv) as db:
        row = db.execute("SELECT status FROM inbox WHERE bot='avap' AND update_id=?",
                         (update_id,)).fetchone()
    return row[0] if row else None


def test_update_in_flight_at_kill_is_handled_after_restart(fake_telegram: FakeTelegram,
                                                           make_server) -> None:
    srv: ServerProcess = make_server().start()
    # the reply hangs in the Bot API, so the handler is still running when we kill the server
    fake_telegram.script("sendMessage", Action(delay=60))
    assert post_update(fake_telegram, srv, "avap",
                       updates.message(1, "/start", user_id=601)).status_code == 200
    fake_telegram.wait_for(lambda: fake_telegram.calls_of("sendMessage"))
    assert _status(srv, 1) == "pending"
    srv.kill9()

    srv.start()
    # the dead instance's lease runs out, then the new one handles the update
    fake_telegram.wait_for(lambda: len(fake_telegram.sent_texts(601)) >= 2, timeout=20)
    fake_telegram.wait_for(lambda: _status(srv, 1) == "done")
    assert fake_telegram.sent_texts(601) == [texts.WELCOME_NEW, texts.WELCOME_NEW]


def test_flow_continues_after_kill_between_steps(fake_telegram: FakeTelegram,
                                                 make_server) -> None:
    srv: ServerProcess = make_server().start()
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with _db(srv) as db:
        db.execute("INSERT INTO pending_verifications (name, email, phone, status, created_at, "
                   "updated_at) VALUES ('Ann Avetisyan', 'ann@example.com', NULL, 'pending', ?, ?)",
                   (now, now))
    post_update(fake_telegram, srv, "avap", updates.message(1, "/start", user_id=602))
    fake_telegram.wait_for(lambda: _status(srv, 1) == "done")
    assert fake_telegram.sent_texts(602) == [texts.WELCOME_NEW]
    srv.kill9()

    srv.start()
    post_update(fake_telegram, srv, "avap", updates.message(2, "ANN@Example.com", user_id=602))
    fake_telegram.wait_for(lambda: len(fake_telegram.sent_texts(602)) == 2)
    assert fake_telegram.sent_texts(602)[1] == texts.VERIFY_MATCHED.format(name="Ann Avetisyan")


def test_sigterm_finishes_the_update_in_flight(fake_telegram: FakeTelegram, make_server) -> None:
    srv: ServerProcess = make_server().start()
    fake_telegram.script("sendMessage", Action(delay=1.5))
    post_update(fake_telegram, srv, "avap", updates.message(1, "/help", user_id=603))
    fake_telegram.wait_for(lambda: fake_telegram.calls_of("sendMessage"))
    # uvicorn re-raises the SIGTERM it caught once shutdown is complete
    assert srv.stop() in (0, -15)
    assert _status(srv, 1) == "done"
    assert "update done" in srv.log_text()
