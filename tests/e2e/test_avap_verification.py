"""Buyers and verification through the real server (issue 3, acceptance 1 and part of 2 and 6)."""

from __future__ import annotations

import time

from avap_bot import callbacks as cb
from avap_bot import texts
from tests.e2e.avap import (
    ADMIN_ID,
    VERIFICATION_GROUP,
    Chat,
    avap_server,
    buttons,
    db,
    wait_done,
)
from tests.e2e.conftest import AVAP_TOKEN, ServerProcess
from tests.fakes.telegram_api import FakeTelegram


def _cards(fake: FakeTelegram) -> list:
    return [c for c in fake.calls_of("sendMessage", AVAP_TOKEN)
            if int(c.params["chat_id"]) == VERIFICATION_GROUP]


def _press_on_card(fake: FakeTelegram, srv, card, which: str, user_id: int = ADMIN_ID) -> int:
    """Press the card's button whose data starts with ``which`` (va, vr, vm)."""
    data = next(d for _, d in buttons(card.params["reply_markup"]) if d.startswith(which))
    admin = Chat(fake, srv, user_id, chat_id=VERIFICATION_GROUP)
    return admin.press(data, message_id=card.result["message_id"])


def _student_status(srv, telegram_id: int) -> str | None:
    with db(srv) as conn:
        row = conn.execute("SELECT status FROM verified_users WHERE telegram_id=?",
                           (telegram_id,)).fetchone()
    return row[0] if row else None


def _owner_added_ann(fake: FakeTelegram, srv: ServerProcess) -> Chat:
    """The owner's private chat, once the owner added the buyer Ann Smith (ann@example.com)."""
    owner = Chat(fake, srv, ADMIN_ID)
    owner.say("/addstudent Ann Smith ann@example.com")
    return owner


def _claim(fake: FakeTelegram, srv: ServerProcess, user_id: int, email: str) -> Chat:
    """A new user's chat that sent /start, then ``email`` (not waiting for the answers)."""
    chat = Chat(fake, srv, user_id)
    chat.send("/start")
    chat.send(email)
    return chat


def test_verify_by_email_and_by_shared_contact(fake_telegram: FakeTelegram, make_server) -> None:
    srv = avap_server(make_server)
    owner = Chat(fake_telegram, srv, ADMIN_ID)
    owner.say("/addstudent Ann Smith Ann@Example.com")
    owner.say("/addstudent Bob Stone bob@example.com +37499123456")
    assert owner.texts()[0].startswith("✅ Added: Ann Smith (ann@example.com)")

    ann = Chat(fake_telegram, srv, 301)
    ann.send("/start")
    assert ann.wait_texts(1)[0] == texts.WELCOME_NEW
    assert ann.last_markup()["keyboard"][0][0]["request_contact"] is True
    ann.send("  ANN@example.COM ")
    assert ann.wait_texts(2)[1] == texts.VERIFY_MATCHED.format(name="Ann Smith")
    fake_telegram.wait_for(lambda: _cards(fake_telegram))
    [card] = _cards(fake_telegram)
    assert "Ann Smith" in card.params["text"] and "301" in card.params["text"]
    assert "an***@example.com" in card.params["text"]  # masked even for the admins' group
    _press_on_card(fake_telegram, srv, card, cb.Approve.prefix)
    texts_after = ann.wait_texts(3)
    assert texts_after[2] == texts.VERIFY_APPROVED.format(name="Ann Smith")
    assert ann.last_markup()["keyboard"][0][0]["text"] == texts.MENU_SUBMIT
    assert _student_status(srv, 301) == "verified"
    # the card now says who approved, and its buttons are gone
    fake_telegram.wait_for(lambda: fake_telegram.calls_of("editMessageText", AVAP_TOKEN))
    edit = fake_telegram.calls_of("editMessageText", AVAP_TOKEN)[-1]
    assert "Approved by" in edit.params["text"] and "reply_markup" not in edit.params

    bob = Chat(fake_telegram, srv, 302)
    bob.send("/start")
    bob.wait_texts(1)
    # somebody else's contact is refused
    bob.send_message(contact={"phone_number": "37499123456", "first_name": "Bob",
                              "user_id": 999})
    assert bob.wait_texts(2)[1] == texts.NOT_YOUR_CONTACT
    bob.send_message(contact={"phone_number": "37499123456", "first_name": "Bob",
                              "user_id": 302})
    assert bob.wait_texts(3)[2] == texts.VERIFY_MATCHED.format(name="Bob Stone")
    fake_telegram.wait_for(lambda: len(_cards(fake_telegram)) == 2)
    card = _cards(fake_telegram)[1]
    assert "phone" in card.params["text"]
    _press_on_card(fake_telegram, srv, card, cb.Approve.prefix)
    bob.wait_texts(4)
    assert _student_status(srv, 302) == "verified"


def test_unknown_email_second_claim_and_attempt_limit(fake_telegram: FakeTelegram,
                                                      make_server) -> None:
    srv = avap_server(make_server)
    _owner_added_ann(fake_telegram, srv)
    first = _claim(fake_telegram, srv, 311, "nobody@example.com")
    assert first.wait_texts(2)[1] == texts.VERIFY_NOT_FOUND
    assert buttons(first.last_markup()) == [(texts.REQUEST_REVIEW, cb.ManualReview().pack())]
    first.send("ann@example.com")
    first.wait_texts(3)
    fake_telegram.wait_for(lambda: _cards(fake_telegram))
    _press_on_card(fake_telegram, srv, _cards(fake_telegram)[0], cb.Approve.prefix)
    first.wait_texts(4)
    assert _student_status(srv, 311) == "verified"

    # a second account types the same email: refused, shown to the admins with "move"
    second = _claim(fake_telegram, srv, 312, "ann@example.com")
    assert second.wait_texts(2)[1] == texts.VERIFY_CLAIMED
    fake_telegram.wait_for(lambda: len(_cards(fake_telegram)) == 2)
    conflict = _cards(fake_telegram)[1]
    assert "Second claim" in conflict.params["text"]
    assert [d[:2] for _, d in buttons(conflict.params["reply_markup"])] == ["vm", "vr"]
    assert _student_status(srv, 312) is None
    second.send(texts.MENU_PROGRESS)  # no menu access yet
    assert second.wait_texts(3)[2] == texts.REVIEW_ALREADY
    _press_on_card(fake_telegram, srv, conflict, cb.MoveBuyer.prefix)
    assert second.wait_texts(4)[3] == texts.VERIFY_APPROVED.format(name="Ann Smith")
    assert _student_status(srv, 312) == "verified"
    assert _student_status(srv, 311) == "revoked"
    fake_telegram.wait_for(lambda: texts.MOVED_AWAY in first.texts())

    # five look-ups an hour; the sixth is refused before any look-up
    prober = Chat(fake_telegram, srv, 313)
    prober.send("/start")
    for i in range(5):
        prober.send(f"guess{i}@example.com")
    prober.wait_texts(6)
    assert prober.texts()[1:6] == [texts.VERIFY_NOT_FOUND] * 5
    uid = prober.send("ann@example.com")  # a real buyer's email, but over the limit
    wait_done(fake_telegram, srv, uid)
    assert prober.wait_texts(7)[6] == texts.VERIFY_TOO_MANY
    with db(srv) as conn:
        n = conn.execute("SELECT count(*) FROM verification_requests WHERE telegram_id=313"
                         ).fetchone()[0]
        attempts = conn.execute("SELECT count(*) FROM verification_attempts "
                                "WHERE telegram_id=313").fetchone()[0]
    assert n == 0 and attempts == 5


def test_manual_review_and_reject(fake_telegram: FakeTelegram, make_server) -> None:
    srv = avap_server(make_server)
    student = _claim(fake_telegram, srv, 321, "late@example.com")
    student.wait_texts(2)
    student.press(cb.ManualReview().pack())
    assert student.wait_texts(3)[2] == texts.REVIEW_REQUESTED
    fake_telegram.wait_for(lambda: _cards(fake_telegram))
    card = _cards(fake_telegram)[0]
    assert "Manual review" in card.params["text"] and "late@example.com" in card.params["text"]
    # approving without a buyer changes nothing and says why
    uid = _press_on_card(fake_telegram, srv, card, cb.Approve.prefix)
    wait_done(fake_telegram, srv, uid)
    answer = fake_telegram.calls_of("answerCallbackQuery", AVAP_TOKEN)[-1]
    assert answer.params["text"] == texts.CARD_NO_BUYER
    assert _student_status(srv, 321) is None
    # once the buyer is added, the same card approves
    owner = Chat(fake_telegram, srv, ADMIN_ID)
    owner.say("/addstudent Late Comer late@example.com")
    _press_on_card(fake_telegram, srv, card, cb.Approve.prefix)
    student.wait_texts(4)
    assert _student_status(srv, 321) == "verified"
    # a second press is harmless
    uid = _press_on_card(fake_telegram, srv, card, cb.Approve.prefix)
    wait_done(fake_telegram, srv, uid)
    assert fake_telegram.calls_of("answerCallbackQuery", AVAP_TOKEN)[-1].params["text"] == \
        texts.CARD_DONE_ALREADY

    other = _claim(fake_telegram, srv, 322, "x@example.com")
    other.wait_texts(2)
    other.press(cb.ManualReview().pack())
    other.wait_texts(3)
    fake_telegram.wait_for(lambda: len(_cards(fake_telegram)) == 2)
    _press_on_card(fake_telegram, srv, _cards(fake_telegram)[1], cb.Reject.prefix)
    assert other.wait_texts(4)[3].startswith("We could not confirm your access")


def test_verification_survives_a_restart_before_approval(fake_telegram: FakeTelegram,
                                                         make_server) -> None:
    srv = avap_server(make_server)
    _owner_added_ann(fake_telegram, srv)
    ann = Chat(fake_telegram, srv, 331)
    # killed once /start is handled (a kill before its done mark replays it: a second welcome)
    ann.say("/start")
    ann.wait_texts(1)
    srv.kill9()
    srv.start()
    ann.send("ann@example.com")
    ann.wait_texts(2)
    fake_telegram.wait_for(lambda: _cards(fake_telegram))
    srv.stop()
    srv.start()
    _press_on_card(fake_telegram, srv, _cards(fake_telegram)[0], cb.Approve.prefix)
    assert ann.wait_texts(3)[2] == texts.VERIFY_APPROVED.format(name="Ann Smith")


def test_import_pending_revoke_and_admins(fake_telegram: FakeTelegram, make_server) -> None:
    srv = avap_server(make_server)
    owner = Chat(fake_telegram, srv, ADMIN_ID)
    fake_telegram.files["csv1"] = (
        "\ufeffname,email,phone\nAnn Smith,ann@example.com,+37499123456\n"
        "No Email,,\nBad Phone,bad@example.com,12\nZara,zara@example.com,\n"
        "Ann Again,ANN@example.com,\n").encode()
    owner.send_message(document={"file_id": "csv1", "file_unique_id": "ucsv1",
                                 "file_name": "buyers.csv", "mime_type": "text/csv",
                                 "file_size": 200}, caption="/import")
    report = owner.wait_texts(1)[0]
    assert report.startswith(texts.IMPORT_REPORT.format(added=2, updated=1, rejected=2))
    assert "Row 3: invalid email" in report and "Row 4: invalid phone" in report
    owner.send("/pending")
    pending = owner.wait_texts(2)[1]
    assert "2 buyer(s) not verified yet" in pending and "Ann Again" in pending

    # an added admin can use admin commands until an owner removes them
    helper = Chat(fake_telegram, srv, 555)
    helper.send("/pending")
    assert helper.wait_texts(1)[0] == texts.ADMINS_ONLY
    assert owner.reply("/admins add 555 Helper") == texts.ADMIN_ADDED.format(tg_id=555)
    helper.send("/pending")
    assert "not verified yet" in helper.wait_texts(2)[1]
    helper.send("/admins")  # owners only
    assert helper.wait_texts(3)[2] == texts.OWNERS_ONLY
    owner.say("/admins")
    assert ("Remove Helper", cb.RemoveAdmin(555).pack()) in buttons(owner.last_markup())
    owner.tap(cb.RemoveAdmin(555).pack())
    helper.send("/pending")
    assert helper.wait_texts(4)[3] == texts.ADMINS_ONLY

    # revoke by email closes the student's access
    student = _claim(fake_telegram, srv, 341, "zara@example.com")
    fake_telegram.wait_for(lambda: _cards(fake_telegram))
    _press_on_card(fake_telegram, srv, _cards(fake_telegram)[0], cb.Approve.prefix)
    student.wait_texts(3)
    owner.say("/revoke zara@example.com")
    assert owner.texts()[-1].startswith("🚫 Access closed for Zara")
    fake_telegram.wait_for(lambda: texts.ACCESS_REVOKED in student.texts())
    assert _student_status(srv, 341) == "revoked"
    assert owner.reply("/revoke zara@example.com") == texts.REVOKE_NOT_FOUND


def test_non_admins_cannot_use_admin_commands_or_buttons(fake_telegram: FakeTelegram,
                                                         make_server) -> None:
    srv = avap_server(make_server)
    _owner_added_ann(fake_telegram, srv)
    _claim(fake_telegram, srv, 351, "ann@example.com")
    fake_telegram.wait_for(lambda: _cards(fake_telegram))
    card = _cards(fake_telegram)[0]
    stranger = Chat(fake_telegram, srv, 777)
    for command in ("/addstudent Eve eve@example.com", "/pending", "/revoke 351",
                    "/import", "/grade 1 10", "/ungraded", "/answer 1 hi", "/unanswered",
                    "/broadcast", "/stats", "/student 351"):
        uid = stranger.send(command)
        wait_done(fake_telegram, srv, uid)
    refusals = stranger.texts()
    assert len(refusals) == 11
    assert all(t in (texts.ADMINS_ONLY, texts.OWNERS_ONLY) for t in refusals), refusals
    stranger.send("/admins")
    assert stranger.wait_texts(12)[11] == texts.OWNERS_ONLY
    # buttons: a stranger in the group presses Approve/Reject/Move; forged and stale data
    for data in (cb.Approve(1).pack(), cb.Reject(1).pack(), cb.MoveBuyer(1).pack(),
                 cb.RemoveAdmin(ADMIN_ID).pack(), cb.Grade(1).pack(), cb.Revision(1).pack(),
                 cb.AnswerQuestion(1).pack(), cb.BroadcastSend(1, 1).pack()):
        uid = _press_on_card(fake_telegram, srv, card, data[:2], user_id=777) \
            if data[:2] in ("va", "vr") else \
            Chat(fake_telegram, srv, 777, chat_id=VERIFICATION_GROUP).press(data)
        wait_done(fake_telegram, srv, uid)
    for data in ("va:notanumber", "zz:1", "va:1:2:3", "x" * 64):
        wait_done(fake_telegram, srv, Chat(fake_telegram, srv, 777).press(data))
    time.sleep(0.3)
    answers = [c.params.get("text") for c in fake_telegram.calls_of("answerCallbackQuery")
               if c.params.get("text")]
    assert texts.ADMINS_ONLY in answers and texts.STALE_BUTTON in answers
    assert _student_status(srv, 351) is None
    with db(srv) as conn:
        assert conn.execute("SELECT status FROM verification_requests").fetchone()[0] == "open"
        assert conn.execute("SELECT count(*) FROM pending_verifications").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM inbox WHERE status='dead'").fetchone()[0] == 0


def test_a_burst_of_verifications_is_answered_at_once_while_cards_keep_the_group_pace(
        fake_telegram: FakeTelegram, make_server) -> None:
    """A launch day: 25 buyers verify within seconds. Each hears "we found your purchase" at
    once; their cards go to the verification group at the group's pace (Telegram allows a group
    20 messages a minute), through the outbox, without holding the answers back."""
    srv = avap_server(make_server)
    students = list(range(7001, 7026))
    with db(srv) as conn:
        for uid in students:
            conn.execute(
                "INSERT INTO pending_verifications (name, email, status, source, created_at, "
                "updated_at) VALUES (?, ?, 'pending', 'admin', datetime('now'), "
                "datetime('now'))", (f"Buyer {uid}", f"b{uid}@example.com"))
    chats = {uid: Chat(fake_telegram, srv, uid) for uid in students}
    for chat in chats.values():
        chat.send("/start")
    for chat in chats.values():
        chat.wait_texts(1)
    started = time.monotonic()
    for uid, chat in chats.items():
        chat.send(f"b{uid}@example.com")
    for chat in chats.values():
        texts_ = chat.wait_texts(2, timeout=30)
        assert texts_[1].startswith("✅ Thank you, Buyer")
    answered_in = time.monotonic() - started
    # measured: 1.2 s; 15.1 s when each handler posted its card itself (the 21st to 25th
    # waited for the group's pace, and held the inbox slots the others needed)
    assert answered_in < 8, answered_in
    fake_telegram.wait_for(lambda: len(_cards(fake_telegram)) >= 20)
    with db(srv) as conn:
        carded = conn.execute("SELECT count(*) FROM verification_requests "
                              "WHERE card_message_id IS NOT NULL").fetchone()[0]
        queued = conn.execute("SELECT count(*) FROM outbox WHERE kind = 'avap.card'").fetchone()[0]
    assert queued == 25 and carded >= 1
    # an admin approves the first card while the last five still wait for the group's pace:
    # the student hears it at once (a paced card does not hold the outbox's slots)
    first = next(c for c in _cards(fake_telegram) if "7001" in c.params["text"])
    approved = time.monotonic()
    _press_on_card(fake_telegram, srv, first, cb.Approve.prefix)
    assert chats[7001].wait_texts(3, timeout=30)[2] == texts.VERIFY_APPROVED.format(
        name="Buyer 7001")
    heard_in = time.monotonic() - approved
    assert heard_in < 3, heard_in
    assert len(_cards(fake_telegram)) < 25      # the pace still holds the last cards back
    fake_telegram.wait_for(lambda: len(_cards(fake_telegram)) == 25, timeout=90)

    def carded_count() -> int:
        with db(srv) as conn:
            return conn.execute("SELECT count(*) FROM verification_requests "
                                "WHERE card_message_id IS NOT NULL").fetchone()[0]

    # the last card's message id is recorded just after Telegram answers its sendMessage
    deadline = time.monotonic() + 10
    while carded_count() < 25 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert carded_count() == 25
