"""Helpers for end-to-end tests of the support bot: a server with the admin groups configured,
direct database access (SQLite file of the server), students made verified in one call, and
questions with their cards in the questions group."""

from __future__ import annotations

import html
import re
import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from avap_bot import texts
from tests.e2e.conftest import ADMIN_ID, AVAP_TOKEN, ServerProcess, post_update
from tests.fakes import updates
from tests.fakes.telegram_api import Call, FakeTelegram

VERIFICATION_GROUP = -1001000000001
ASSIGNMENT_GROUP = -1001000000002
QUESTIONS_GROUP = -1001000000003
SUPPORT_GROUP = -1001000000004

GROUP_ENV = {
    "VERIFICATION_GROUP_ID": str(VERIFICATION_GROUP),
    "ASSIGNMENT_GROUP_ID": str(ASSIGNMENT_GROUP),
    "QUESTIONS_GROUP_ID": str(QUESTIONS_GROUP),
    "SUPPORT_GROUP_ID": str(SUPPORT_GROUP),
}


def avap_server(make_server: Any, name: str = "server", **env: str) -> ServerProcess:
    """A started server with the four admin groups configured (ADMIN_ID is the owner)."""
    return make_server(name, **{**GROUP_ENV, **env}).start()


def db(srv: ServerProcess) -> sqlite3.Connection:
    conn = sqlite3.connect(srv.env["DATA_DIR"] + "/bot.db")
    conn.row_factory = sqlite3.Row
    return conn


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


def add_verified_student(srv: ServerProcess, telegram_id: int, name: str = "Ann Student",
                         email: str | None = None) -> None:
    """Insert a buyer and its verified student directly (the verification flow has its own
    tests)."""
    email = email or f"student{telegram_id}@example.com"
    with db(srv) as conn:
        cur = conn.execute(
            "INSERT INTO pending_verifications (telegram_id, name, email, status, source, "
            "created_at, updated_at) VALUES (?, ?, ?, 'verified', 'admin', ?, ?)",
            (telegram_id, name, email, _now(), _now()))
        conn.execute(
            "INSERT INTO verified_users (telegram_id, name, email, status, buyer_id, "
            "created_at, updated_at) VALUES (?, ?, ?, 'verified', ?, ?, ?)",
            (telegram_id, name, email, cur.lastrowid, _now(), _now()))


class Chat:
    """Send updates as one user in one chat; update ids are unique per server."""

    BOT = "avap"
    TOKEN = AVAP_TOKEN

    _next_id = 10_000

    def __init__(self, fake: FakeTelegram, srv: ServerProcess, user_id: int,
                 chat_id: int | None = None) -> None:
        self.fake, self.srv, self.user_id = fake, srv, user_id
        self.chat_id = user_id if chat_id is None else chat_id

    def _uid(self) -> int:
        Chat._next_id += 1
        return Chat._next_id

    def send(self, text: str, **extra: Any) -> int:
        """A text message (or a command); returns its update id."""
        uid = self._uid()
        r = post_update(self.fake, self.srv, self.BOT, updates.message(
            uid, text, user_id=self.user_id, chat_id=self.chat_id, **extra))
        assert r.status_code == 200, r.text
        return uid

    def send_message(self, **fields: Any) -> int:
        """Any message (voice, photo, contact...): ``fields`` are the Message fields."""
        uid = self._uid()
        upd = updates.message(uid, "", user_id=self.user_id, chat_id=self.chat_id)
        del upd["message"]["text"]
        upd["message"].update(fields)
        r = post_update(self.fake, self.srv, self.BOT, upd)
        assert r.status_code == 200, r.text
        return uid

    def press(self, data: str, message_id: int = 1) -> int:
        """Press an inline button with callback data ``data``."""
        uid = self._uid()
        r = post_update(self.fake, self.srv, self.BOT, updates.callback(
            uid, data, user_id=self.user_id, chat_id=self.chat_id, message_id=message_id))
        assert r.status_code == 200, r.text
        return uid

    def done(self, update_id: int, timeout: float = 15) -> None:
        """Wait until the server handled ``update_id``."""
        wait_done(self.fake, self.srv, update_id, timeout=timeout, bot=self.BOT)

    def say(self, text: str, timeout: float = 15, **extra: Any) -> int:
        """Send a text (or a command) and wait until it was handled; returns its update id."""
        uid = self.send(text, **extra)
        self.done(uid, timeout)
        return uid

    def reply(self, text: str, **extra: Any) -> str:
        """Say ``text`` and return the bot's last message in this chat, once it was handled."""
        self.say(text, **extra)
        return self.texts()[-1]

    def say_message(self, timeout: float = 15, **fields: Any) -> int:
        """Send any message (``fields`` as in ``send_message``) and wait until it was handled;
        returns its update id."""
        uid = self.send_message(**fields)
        self.done(uid, timeout)
        return uid

    def tap(self, data: str, message_id: int = 1, timeout: float = 15) -> int:
        """Press a button and wait until it was handled; returns the update id."""
        uid = self.press(data, message_id=message_id)
        self.done(uid, timeout)
        return uid

    def texts(self) -> list[str]:
        """What the bot sent to this chat so far."""
        return self.fake.sent_texts(self.chat_id, self.TOKEN)

    def wait_texts(self, n: int, timeout: float = 15) -> list[str]:
        self.fake.wait_for(lambda: len(self.texts()) >= n, timeout=timeout)
        return self.texts()

    def last_markup(self) -> dict | None:
        calls = [c for c in self.fake.calls_of("sendMessage", self.TOKEN)
                 if int(c.params.get("chat_id", 0)) == self.chat_id]
        return calls[-1].params.get("reply_markup") if calls else None


def student_chat(fake: FakeTelegram, srv: ServerProcess, telegram_id: int,
                 name: str = "Ann Student", email: str | None = None) -> Chat:
    """A verified student (added directly, as ``add_verified_student``) and their private chat."""
    add_verified_student(srv, telegram_id, name, email)
    return Chat(fake, srv, telegram_id)


def buttons(markup: dict | None) -> list[tuple[str, str]]:
    """(text, callback_data) of an inline keyboard."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [(b["text"], b.get("callback_data", "")) for row in markup["inline_keyboard"]
            for b in row]


def wait_done(fake: FakeTelegram, srv: ServerProcess, update_id: int,
              timeout: float = 15, bot: str = "avap") -> None:
    """Wait until the server handled ``update_id`` (done or dead)."""
    def handled() -> bool:
        with db(srv) as conn:
            row = conn.execute("SELECT status FROM inbox WHERE bot=? AND update_id=?",
                               (bot, update_id)).fetchone()
        return row is not None and row[0] in ("done", "dead")

    fake.wait_for(handled, timeout=timeout)


# --- questions and their cards in the questions group -----------------------------------------
BOT_USER = {"id": 111111, "is_bot": True, "first_name": "Bot 111111",
            "username": "bot111111_bot"}


def plain(text: str) -> str:
    """What Telegram shows (and sends back in reply_to_message) for an HTML text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def sent_to(fake: FakeTelegram, method: str, chat_id: int) -> list[Call]:
    return [c for c in fake.calls_of(method, AVAP_TOKEN) if int(c.params["chat_id"]) == chat_id]


def question_cards(fake: FakeTelegram) -> list[Call]:
    return [c for c in sent_to(fake, "sendMessage", QUESTIONS_GROUP)
            if str(c.params["text"]).startswith("❓ <b>Question #")]


def wait_question_card(fake: FakeTelegram, n: int) -> Call:
    fake.wait_for(lambda: len(question_cards(fake)) >= n)
    return question_cards(fake)[n - 1]


def card_message(card: Call) -> dict[str, Any]:
    """The card as the reply_to_message of an admin's reply."""
    return {"message_id": card.result["message_id"], "date": int(time.time()),
            "chat": {"id": QUESTIONS_GROUP, "type": "supergroup", "title": "Questions"},
            "from": BOT_USER, "text": plain(card.params["text"])}


def question_row(srv: ServerProcess, question_id: int) -> dict[str, Any]:
    with db(srv) as conn:
        return dict(conn.execute("SELECT * FROM questions WHERE id=?", (question_id,)).fetchone())


def ask(fake: FakeTelegram, student: Chat, n_texts: int, **question: Any) -> None:
    """Press Ask, send the question, wait for the confirmation (the n-th text of the chat)."""
    student.send(texts.MENU_ASK)
    if "text" in question:
        student.send(question.pop("text"), **question)
    else:
        student.send_message(**question)
    student.wait_texts(n_texts)


__all__ = ["ADMIN_ID", "ASSIGNMENT_GROUP", "BOT_USER", "QUESTIONS_GROUP", "SUPPORT_GROUP",
           "VERIFICATION_GROUP", "Chat", "add_verified_student", "ask", "avap_server", "buttons",
           "card_message", "db", "plain", "question_cards", "question_row", "sent_to",
           "student_chat", "wait_done", "wait_question_card"]
