"""Assignments and grading through the real server and the fake Bot API: submit, card in the
assignment group, grade by reply / button / number, revision and resubmission, cooldown,
a second grade, refusals, /ungraded, and flows that survive a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from avap_bot import callbacks as cb
from avap_bot import texts
from tests.e2e.avap import (
    ADMIN_ID,
    ASSIGNMENT_GROUP,
    Chat,
    avap_server,
    buttons,
    db,
    student_chat,
    wait_done,
)
from tests.e2e.conftest import AVAP_TOKEN, ServerProcess
from tests.fakes.telegram_api import Call, FakeTelegram

VOICE = {"voice": {"file_id": "VOICE-FILE-1", "file_unique_id": "v1", "duration": 42},
         "caption": "My <b>pitch</b>"}
PHOTO = {"photo": [{"file_id": "PHOTO-S", "file_unique_id": "p1", "width": 90, "height": 90},
                   {"file_id": "PHOTO-L", "file_unique_id": "p2", "width": 900,
                    "height": 900}]}


# --- helpers --------------------------------------------------------------------------------
def _sent(fake: FakeTelegram, chat_id: int) -> list[Call]:
    return [c for c in fake.calls_of("sendMessage", AVAP_TOKEN)
            if int(c.params.get("chat_id", 0)) == chat_id]


def _shown(fake: FakeTelegram, chat_id: int) -> list[str]:
    """Texts the bot sent or edited in ``chat_id``, in order."""
    return [str(c.params.get("text")) for c in list(fake.calls)
            if c.token == AVAP_TOKEN and c.method in ("sendMessage", "editMessageText")
            and int(c.params.get("chat_id", 0)) == chat_id]


def _edits(fake: FakeTelegram, chat_id: int, message_id: int) -> list[Call]:
    return [c for c in fake.calls_of("editMessageText", AVAP_TOKEN)
            if int(c.params.get("chat_id", 0)) == chat_id
            and int(c.params.get("message_id", 0)) == message_id]


def _card(fake: FakeTelegram, srv: ServerProcess, submission_id: int) -> Call:
    """The card of a submission in the assignment group (the message with its Grade button),
    once the outbox has posted it and recorded its ids on the submission."""
    card = fake.wait_for(lambda: next(
        (c for c in _sent(fake, ASSIGNMENT_GROUP)
         if cb.Revision(submission_id).pack() in
         [d for _, d in buttons(c.params.get("reply_markup"))]), None))
    fake.wait_for(lambda: _row(srv, submission_id)["card_message_id"]
                  == card.result["message_id"])
    return card


def _answers(fake: FakeTelegram) -> list[str]:
    return [str(c.params.get("text")) for c in fake.calls_of("answerCallbackQuery", AVAP_TOKEN)
            if c.params.get("text")]


def _row(srv: ServerProcess, submission_id: int) -> dict[str, Any]:
    with db(srv) as conn:
        return dict(conn.execute("SELECT * FROM submissions WHERE id=?",
                                 (submission_id,)).fetchone())


def _start(fake: FakeTelegram, srv: ServerProcess, student: Chat, module_index: int) -> int:
    """Submit assignment, then a module; returns the picker's message id."""
    student.say(texts.MENU_SUBMIT)
    picker = _sent(fake, student.chat_id)[-1]
    assert picker.params["text"] == texts.SUBMIT_PICK_MODULE
    student.tap(cb.PickModule(module_index).pack(), message_id=picker.result["message_id"])
    return picker.result["message_id"]


def _send_work(fake: FakeTelegram, srv: ServerProcess, student: Chat, kind: str,
               picker: int, **content: Any) -> Call:
    """Pick the kind, send the work; returns the summary with its Send button."""
    student.tap(cb.PickKind(kind).pack(), message_id=picker)
    student.done(student.send(content["text"]) if kind == "text" else
                 student.send_message(**content))
    summary = _sent(fake, student.chat_id)[-1]
    assert (texts.BTN_SUBMIT_SEND, cb.ConfirmSubmission(1).pack()) in \
        buttons(summary.params["reply_markup"])
    return summary


def _confirm(fake: FakeTelegram, srv: ServerProcess, student: Chat, summary: Call) -> int:
    """Press Send; returns the id of the student's newest submission."""
    student.tap(cb.ConfirmSubmission(1).pack(), message_id=summary.result["message_id"])
    with db(srv) as conn:
        return conn.execute("SELECT max(id) FROM submissions WHERE telegram_id=?",
                            (student.user_id,)).fetchone()[0]


def _submit(fake: FakeTelegram, srv: ServerProcess, student: Chat, module_index: int,
            kind: str, **content: Any) -> int:
    picker = _start(fake, srv, student, module_index)
    return _confirm(fake, srv, student, _send_work(fake, srv, student, kind, picker, **content))


def _carded(fake: FakeTelegram, srv: ServerProcess, telegram_id: int, module_index: int,
            kind: str, **content: Any) -> tuple[Chat, int, Call]:
    """A verified student who submitted work, once its card is in the assignment group:
    (the student's chat, the submission id, the card)."""
    student = student_chat(fake, srv, telegram_id)
    sid = _submit(fake, srv, student, module_index, kind, **content)
    return student, sid, _card(fake, srv, sid)


def _wait_text(fake: FakeTelegram, chat: Chat, text: str) -> None:
    fake.wait_for(lambda: text in chat.texts())


# --- the tests ------------------------------------------------------------------------------
def test_submit_then_grade_by_replying_to_the_card(fake_telegram: FakeTelegram,
                                                   make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    ann = student_chat(fake, srv, 501, name="Ann <Smith>")
    picker = _start(fake, srv, ann, 0)
    assert _shown(fake, 501)[-1] == texts.SUBMIT_PICK_KIND.format(module="1")
    summary = _send_work(fake, srv, ann, "voice", picker, **VOICE)
    assert "My &lt;b&gt;pitch&lt;/b&gt;" in summary.params["text"]
    sid = _confirm(fake, srv, ann, summary)
    assert _shown(fake, 501)[-1] == texts.SUBMIT_SENT.format(id=sid, module="1", attempt=1)

    row = _row(srv, sid)
    assert (row["module"], row["type"], row["file_id"], row["content"], row["status"],
            row["attempt"]) == ("1", "voice", "VOICE-FILE-1", "My <b>pitch</b>", "submitted", 1)
    # the work is copied by id (never downloaded), then the card replies to the copy
    card = _card(fake, srv, sid)
    [copy] = [c for c in fake.calls_of("copyMessage", AVAP_TOKEN)
              if int(c.params["chat_id"]) == ASSIGNMENT_GROUP]
    assert int(copy.params["from_chat_id"]) == 501
    assert int(copy.params["message_id"]) == row["source_message_id"]
    assert not fake.calls_of("getFile", AVAP_TOKEN)
    assert card.params["reply_parameters"]["message_id"] == copy.result["message_id"]
    assert f"Submission #{sid}" in card.params["text"]
    assert "Ann &lt;Smith&gt;" in card.params["text"] and "attempt 1" in card.params["text"]
    assert buttons(card.params["reply_markup"]) == [
        (texts.BTN_GRADE, cb.Grade(sid).pack()), (texts.BTN_REVISION, cb.Revision(sid).pack())]
    # the card's ids are recorded just after Telegram answers: wait for them, not the call
    row = fake.wait_for(lambda: (r := _row(srv, sid))["card_message_id"] and r)
    assert (row["card_chat_id"], row["card_message_id"]) == (ASSIGNMENT_GROUP,
                                                            card.result["message_id"])

    admin = Chat(fake, srv, ADMIN_ID, chat_id=ASSIGNMENT_GROUP)
    assert admin.reply("/grade 8 Great work", reply_to_message=card.result) == \
        texts.GRADE_DONE.format(id=sid, score=8)
    _wait_text(fake, ann, texts.GRADED_STUDENT.format(module="1", id=sid, score=8)
               + texts.GRADE_COMMENT_STUDENT.format(comment="Great work"))
    row = _row(srv, sid)
    assert (row["status"], row["grade"], row["comment"], row["graded_by"]) == (
        "graded", 8, "Great work", ADMIN_ID)
    # the card shows its new state; Request revision stays, Grade goes
    fake.wait_for(lambda: _edits(fake, ASSIGNMENT_GROUP, card.result["message_id"]))
    edit = _edits(fake, ASSIGNMENT_GROUP, card.result["message_id"])[-1]
    assert "✅ Graded 8/10 by @ann" in edit.params["text"]
    assert "💬 Great work" in edit.params["text"]
    assert buttons(edit.params["reply_markup"]) == [(texts.BTN_REVISION,
                                                     cb.Revision(sid).pack())]


def test_revision_then_resubmission_then_grade(fake_telegram: FakeTelegram,
                                               make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    bob, first, card = _carded(fake, srv, 502, 2, "text", text="My first essay")
    admin = Chat(fake, srv, ADMIN_ID, chat_id=ASSIGNMENT_GROUP)
    admin.tap(cb.Revision(first).pack(), message_id=card.result["message_id"])
    prompt = _sent(fake, ASSIGNMENT_GROUP)[-1]
    assert prompt.params["text"] == texts.REVISION_ASK.format(admin="@ann", id=first)
    assert prompt.params["reply_markup"]["force_reply"] is True
    assert admin.reply("Please add a <conclusion>") == \
        texts.REVISION_DONE.format(id=first, module="3")
    revision = texts.REVISION_STUDENT.format(module="3", id=first,
                                             comment="Please add a &lt;conclusion&gt;")
    _wait_text(fake, bob, revision)
    asked = next(c for c in _sent(fake, 502) if c.params["text"] == revision)
    assert buttons(asked.params["reply_markup"]) == [
        (texts.BTN_RESUBMIT.format(module="3"), cb.PickModule(2).pack())]
    assert _row(srv, first)["status"] == "revision"
    fake.wait_for(lambda: _edits(fake, ASSIGNMENT_GROUP, card.result["message_id"]))
    edit = _edits(fake, ASSIGNMENT_GROUP, card.result["message_id"])[-1]
    assert "🔁 Revision requested by @ann" in edit.params["text"]
    assert "reply_markup" not in edit.params
    # a second request for the same submission is refused
    admin.tap(cb.Revision(first).pack())
    assert texts.REVISION_ALREADY.format(id=first) in _answers(fake)

    # the Resubmit button works at once (the cooldown was lifted) and keeps the team's comment
    bob.tap(cb.PickModule(2).pack(), message_id=asked.result["message_id"])
    assert not _edits(fake, 502, asked.result["message_id"])
    kinds = _sent(fake, 502)[-1]
    assert kinds.params["text"] == texts.SUBMIT_PICK_KIND.format(module="3")
    summary = _send_work(fake, srv, bob, "text", kinds.result["message_id"],
                         text="My essay, with a conclusion")
    second = _confirm(fake, srv, bob, summary)
    assert second != first and _row(srv, second)["attempt"] == 2
    card2 = _card(fake, srv, second)
    assert "attempt 2" in card2.params["text"]

    # Grade button: the admin is asked in the group; bad input keeps the step
    admin.tap(cb.Grade(second).pack(), message_id=card2.result["message_id"])
    assert admin.texts()[-1] == texts.GRADE_ASK.format(admin="@ann", id=second)
    assert admin.reply("eleven out of ten") == texts.GRADE_BAD_SCORE.format(value="eleven")
    assert admin.reply("11") == texts.GRADE_BAD_SCORE.format(value="11")
    assert _row(srv, second)["status"] == "submitted"
    assert admin.reply("9 Much better.\nWell done") == texts.GRADE_DONE.format(id=second, score=9)
    _wait_text(fake, bob, texts.GRADED_STUDENT.format(module="3", id=second, score=9)
               + texts.GRADE_COMMENT_STUDENT.format(comment="Much better.\nWell done"))
    assert _row(srv, second)["grade"] == 9
    # the step is over: the admin's next message in the group is just chat
    count = len(admin.texts())
    admin.say("thanks all")
    assert len(admin.texts()) == count


def test_flows_survive_a_restart_in_the_middle(fake_telegram: FakeTelegram,
                                               make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    cleo = student_chat(fake, srv, 503)
    picker = _start(fake, srv, cleo, 4)
    srv.stop()
    srv.start()
    summary = _send_work(fake, srv, cleo, "photo", picker, **PHOTO)
    srv.stop()
    srv.start()
    sid = _confirm(fake, srv, cleo, summary)
    row = _row(srv, sid)
    assert (row["module"], row["type"], row["file_id"]) == ("5", "photo", "PHOTO-L")
    card = _card(fake, srv, sid)

    admin = Chat(fake, srv, ADMIN_ID, chat_id=ASSIGNMENT_GROUP)
    admin.tap(cb.Grade(sid).pack(), message_id=card.result["message_id"])
    srv.stop()
    srv.start()
    admin.say("7 Nice composition")
    _wait_text(fake, cleo, texts.GRADED_STUDENT.format(module="5", id=sid, score=7)
               + texts.GRADE_COMMENT_STUDENT.format(comment="Nice composition"))
    with db(srv) as conn:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM inbox WHERE status='dead'").fetchone()[0] == 0


def test_a_wrong_kind_of_message_gets_a_hint_and_keeps_the_step(fake_telegram: FakeTelegram,
                                                                make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    dan = student_chat(fake, srv, 504)
    dan.say(texts.MENU_SUBMIT)
    assert dan.reply("module 2 please") == texts.SUBMIT_USE_BUTTONS
    picker = _sent(fake, 504)[0].result["message_id"]
    dan.tap(cb.PickModule(1).pack(), message_id=picker)
    dan.tap(cb.PickKind("video").pack(), message_id=picker)
    hint = texts.SUBMIT_WRONG_KIND.format(what=texts.SUBMIT_WHAT["video"], module="2")
    assert dan.reply("here is my video") == hint
    dan.say_message(**VOICE)
    assert dan.texts()[-1] == hint
    # a round video note is a video
    dan.say_message(video_note={
"file_id": "NOTE-1", "file_unique_id": "n1", "length": 240, "duration": 20})
    summary = _sent(fake, 504)[-1]
    assert summary.params["text"].startswith("Please check your submission")
    # stale or forged buttons change nothing
    dan.tap(cb.PickKind("sticker").pack(), message_id=picker)
    dan.tap(cb.PickModule(99).pack())
    dan.tap(cb.ConfirmSubmission(1).pack(), message_id=picker)
    assert _answers(fake).count(texts.STALE_BUTTON) == 3
    sid = _confirm(fake, srv, dan, summary)
    row = _row(srv, sid)
    assert (row["module"], row["type"], row["file_id"]) == ("2", "video", "NOTE-1")
    # the summary's Send is spent: pressing it again stores nothing more
    dan.tap(cb.ConfirmSubmission(1).pack(), message_id=summary.result["message_id"])
    with db(srv) as conn:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1
    # Cancel drops a submission
    picker = _start(fake, srv, dan, 5)
    summary = _send_work(fake, srv, dan, "document", picker, document={
        "file_id": "DOC-1", "file_unique_id": "d1", "file_name": "essay.pdf",
        "file_size": 1_500_000_000})
    dan.tap(cb.ConfirmSubmission(0).pack(), message_id=summary.result["message_id"])
    assert _shown(fake, 504)[-1] == texts.SUBMIT_CANCELLED
    with db(srv) as conn:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1


def test_cooldown_per_student_and_module(fake_telegram: FakeTelegram, make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    eve = student_chat(fake, srv, 505)
    _submit(fake, srv, eve, 0, "text", text="Module one work")
    _start(fake, srv, eve, 0)
    assert eve.texts()[-1].startswith("⏳ You sent an assignment for module <b>1</b>")
    assert eve.texts()[-1].endswith(("in 2 min.", " s."))
    # another module is fine; a late cooldown is checked again at Send
    picker = _sent(fake, 505)[-2].result["message_id"]
    eve.tap(cb.PickModule(1).pack(), message_id=picker)
    summary = _send_work(fake, srv, eve, "text", picker, text="Module two work")
    until = (datetime.now(UTC) + timedelta(seconds=90)).replace(tzinfo=None).isoformat(sep=" ")
    with db(srv) as conn:
        conn.execute("INSERT INTO cooldown_states (key, cooldown_until, created_at, updated_at) "
                     "VALUES ('submit:505:2', ?, ?, ?)", (until, until, until))
    eve.tap(cb.ConfirmSubmission(1).pack(), message_id=summary.result["message_id"])
    assert eve.texts()[-1] in [texts.SUBMIT_COOLDOWN.format(module="2", wait=w)
                               for w in ("1 min 30 s", "1 min 29 s", "1 min 28 s")]
    with db(srv) as conn:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1
        conn.execute("DELETE FROM cooldown_states WHERE key='submit:505:2'")
    sid = _confirm(fake, srv, eve, summary)
    assert _row(srv, sid)["module"] == "2"
    # and now module 2 is on cooldown too
    _start(fake, srv, eve, 1)
    assert eve.texts()[-1].startswith("⏳ You sent an assignment for module <b>2</b>")


def test_a_second_grade_asks_to_confirm(fake_telegram: FakeTelegram, make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    fay, sid, card = _carded(fake, srv, 506, 0, "text", text="Work")
    owner = Chat(fake, srv, ADMIN_ID)  # the owner's private chat: /grade <#> works anywhere
    assert owner.reply(f"/grade {sid} 7") == texts.GRADE_DONE.format(id=sid, score=7)
    _wait_text(fake, fay, texts.GRADED_STUDENT.format(module="1", id=sid, score=7))

    group = Chat(fake, srv, ADMIN_ID, chat_id=ASSIGNMENT_GROUP)
    group.say("/grade 9 Better", reply_to_message=card.result)
    ask = _sent(fake, ASSIGNMENT_GROUP)[-1]
    assert ask.params["text"] == texts.REGRADE_ASK.format(id=sid, old=7, score=9)
    assert _row(srv, sid)["grade"] == 7
    group.tap(cb.ConfirmRegrade(sid, 0).pack(), message_id=ask.result["message_id"])
    assert _shown(fake, ASSIGNMENT_GROUP)[-1] == texts.REGRADE_KEPT.format(id=sid, old=7)
    assert _row(srv, sid)["grade"] == 7
    # the spent button is stale
    group.tap(cb.ConfirmRegrade(sid, 1).pack(), message_id=ask.result["message_id"])
    assert texts.STALE_BUTTON in _answers(fake) and _row(srv, sid)["grade"] == 7

    owner.say(f"/grade #{sid} 9 Better now")
    ask = _sent(fake, ADMIN_ID)[-1]
    assert ask.params["text"] == texts.REGRADE_ASK.format(id=sid, old=7, score=9)
    owner.tap(cb.ConfirmRegrade(sid, 1).pack(), message_id=ask.result["message_id"])
    assert _shown(fake, ADMIN_ID)[-1] == texts.REGRADE_DONE.format(id=sid, score=9, old=7)
    row = _row(srv, sid)
    assert (row["grade"], row["comment"]) == (9, "Better now")
    _wait_text(fake, fay, texts.REGRADED_STUDENT.format(module="1", id=sid, score=9)
               + texts.GRADE_COMMENT_STUDENT.format(comment="Better now"))
    fake.wait_for(lambda: any("Graded 9/10" in e.params["text"] for e in
                              _edits(fake, ASSIGNMENT_GROUP, card.result["message_id"])))
    # the very same grade again (a double send) changes nothing and asks nothing
    assert owner.reply(f"/grade {sid} 9 Better now") == texts.GRADE_DONE.format(id=sid, score=9)


def test_refusals_and_bad_input_change_nothing(fake_telegram: FakeTelegram,
                                               make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    gus, sid, card = _carded(fake, srv, 507, 0, "text", text="Work")
    before = len(gus.texts())
    # a non-admin in the group (the student himself, and a stranger)
    for user_id in (507, 777):
        intruder = Chat(fake, srv, user_id, chat_id=ASSIGNMENT_GROUP)
        intruder.say("/grade 10 self-graded", reply_to_message=card.result)
        intruder.say(f"/grade {sid} 10")
        intruder.say("/ungraded")
        for data in (cb.Grade(sid).pack(), cb.Revision(sid).pack(),
                     cb.ConfirmRegrade(sid, 1).pack()):
            intruder.tap(data, message_id=card.result["message_id"])
    group_texts = [c.params["text"] for c in _sent(fake, ASSIGNMENT_GROUP)]
    assert group_texts[1:] == [texts.ADMINS_ONLY] * 6
    assert _answers(fake).count(texts.ADMINS_ONLY) == 6
    # an admin's bad input
    admin = Chat(fake, srv, ADMIN_ID, chat_id=ASSIGNMENT_GROUP)
    other = {"message_id": 5, "date": card.result["date"], "chat": card.result["chat"],
             "from": {"id": 1234, "is_bot": False, "first_name": "Zed"}, "text": "hello"}
    for command, reply_to, expected in [
        ("/grade 11 Too much", card.result, texts.GRADE_BAD_SCORE.format(value="11")),
        ("/grade 7.5", card.result, texts.GRADE_BAD_SCORE.format(value="7.5")),
        ("/grade -1", card.result, texts.GRADE_BAD_SCORE.format(value="-1")),
        ("/grade", card.result, texts.GRADE_USAGE),
        ("/grade 8 Great work", other, texts.GRADE_NOT_A_CARD),
        ("/grade 8 Great work", None, texts.GRADE_USAGE),
        ("/grade 99999 8", None, texts.GRADE_NOT_FOUND.format(id=99999)),
        (f"/grade {sid} 12", None, texts.GRADE_BAD_SCORE.format(value="12")),
    ]:
        extra = {"reply_to_message": reply_to} if reply_to else {}
        assert admin.reply(command, **extra) == expected, command
    # the admin's prompt is left with /cancel in the group
    admin.tap(cb.Grade(sid).pack(), message_id=card.result["message_id"])
    admin.say_message(sticker={
"file_id": "S", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
"is_animated": False, "is_video": False})
    assert admin.texts()[-1] == texts.GRADE_NEED_TEXT
    assert admin.reply("/cancel") == texts.CANCELLED
    assert admin.reply("8 meant for a colleague") == texts.CANCELLED
    row = _row(srv, sid)
    assert (row["status"], row["grade"], row["comment"]) == ("submitted", None, None)
    assert len(gus.texts()) == before
    assert not _edits(fake, ASSIGNMENT_GROUP, card.result["message_id"])
    with db(srv) as conn:
        assert conn.execute("SELECT count(*) FROM inbox WHERE status='dead'").fetchone()[0] == 0


def test_ungraded_lists_waiting_submissions_oldest_first(fake_telegram: FakeTelegram,
                                                         make_server) -> None:
    fake = fake_telegram
    srv = avap_server(make_server)
    owner = Chat(fake, srv, ADMIN_ID)
    assert owner.reply("/ungraded") == texts.UNGRADED_NONE
    hal = student_chat(fake, srv, 508, name="Hal First")
    ivy = student_chat(fake, srv, 509, name="Ivy <Second>")
    first = _submit(fake, srv, hal, 0, "text", text="a")
    second = _submit(fake, srv, ivy, 3, "voice", **VOICE)
    third = _submit(fake, srv, hal, 1, "text", text="b")
    with db(srv) as conn:  # the first one has waited for two hours
        conn.execute("UPDATE submissions SET created_at=datetime('now', '-2 hours') WHERE id=?",
                     (first,))
    owner.say(f"/grade {third} 6")
    owner.say("/ungraded")
    listing = owner.texts()[-1].split("\n")
    assert listing[0] == texts.UNGRADED_HEAD
    assert listing[1].startswith(f"• <b>#{first}</b> Hal First — module 1, attempt 1")
    assert listing[1].endswith("waiting 2 h")
    assert listing[2].startswith(f"• <b>#{second}</b> Ivy &lt;Second&gt; — module 4")
    assert " s" in listing[2].rsplit("waiting", 1)[1]
    assert listing[3] == texts.UNGRADED_FOOT
    assert all(f"#{third}" not in line for line in listing)


def test_a_menu_tap_during_a_text_submission_starts_its_feature(fake_telegram: FakeTelegram,
                                                                 make_server) -> None:
    """Tip, partner, progress tapped while the bot waits for the text of a submission: each is
    handled by its own feature (not taken as the assignment), and nothing is submitted."""
    fake = fake_telegram
    srv = avap_server(make_server)
    eve = student_chat(fake, srv, 507)
    for button, answer in ((texts.MENU_TIP, texts.TIP_NONE),
                           (texts.MENU_PARTNER, texts.PARTNER_PICK_MODULE),
                           (texts.MENU_PROGRESS, texts.PROGRESS_HEAD)):
        picker = _start(fake, srv, eve, 0)
        wait_done(fake, srv, eve.press(cb.PickKind("text").pack(), message_id=picker))
        wait_done(fake, srv, eve.send(button))
        assert eve.texts()[-1].startswith(answer.strip()), (button, eve.texts()[-1])
    # the tap left the submission: a text now is not an assignment
    wait_done(fake, srv, eve.send("My essay about funnels"))
    assert eve.texts()[-1] == texts.NOT_UNDERSTOOD
    with db(srv) as conn:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0
