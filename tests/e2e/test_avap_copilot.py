"""The copilot through the real server process and the fake Bot API: suggested answers under
question cards (search only, and with a fake OpenAI over HTTP), their buttons, the FAQ, the
daily token budget, and /stats."""

from __future__ import annotations

from typing import Any

from avap_bot import callbacks as cb
from avap_bot import texts
from tests.e2e import avap
from tests.e2e.conftest import AVAP_TOKEN, ServerProcess, openai_env
from tests.fakes.openai_api import FakeOpenAI, Reply
from tests.fakes.telegram_api import Call, FakeTelegram

FIRST = "How long should the business plan be?"
SECOND = "What length should my business plan have?"


def _suggestions(fake: FakeTelegram) -> list[Call]:
    return [c for c in avap.sent_to(fake, "sendMessage", avap.QUESTIONS_GROUP)
            if str(c.params["text"]).startswith("💡")]


def _wait_suggestion(fake: FakeTelegram, n: int, timeout: float = 15) -> Call:
    fake.wait_for(lambda: len(_suggestions(fake)) >= n, timeout=timeout)
    return _suggestions(fake)[n - 1]


def _suggestion_row(srv: ServerProcess, question_id: int) -> dict[str, Any] | None:
    with avap.db(srv) as conn:
        row = conn.execute("SELECT * FROM suggestions WHERE question_id=?",
                           (question_id,)).fetchone()
    return dict(row) if row is not None else None


def _wait_row(fake: FakeTelegram, srv: ServerProcess, question_id: int) -> dict[str, Any]:
    fake.wait_for(lambda: _suggestion_row(srv, question_id) is not None, timeout=15)
    return _suggestion_row(srv, question_id)  # type: ignore[return-value]


def _answered_first(fake: FakeTelegram, srv: ServerProcess,
                   answer: str = "Two pages.") -> avap.Chat:
    """Student 401 asks FIRST; the owner answers by replying to the card."""
    avap.add_verified_student(srv, 401, name="Ann First")
    avap.add_verified_student(srv, 402, name="Bob Second", email="bob@example.com")
    avap.ask(fake, avap.Chat(fake, srv, 401), 2, text=FIRST)
    card = avap.wait_question_card(fake, 1)
    admin = avap.Chat(fake, srv, avap.ADMIN_ID, chat_id=avap.QUESTIONS_GROUP)
    admin.send(answer, reply_to_message=avap.card_message(card))
    avap.Chat(fake, srv, 401).wait_texts(3)
    fake.wait_for(lambda: avap.question_row(srv, 1)["answered"] == 1)
    # nothing to suggest for the first (or it was answered before its turn came)
    assert not _suggestions(fake)
    return admin


def test_a_past_answer_is_suggested_and_send_delivers_it(fake_telegram: FakeTelegram,
                                                        make_server) -> None:
    """Acceptance 1: search only, no OpenAI key."""
    srv = avap.avap_server(make_server)
    admin = _answered_first(fake_telegram, srv)
    second = avap.Chat(fake_telegram, srv, 402)
    avap.ask(fake_telegram, second, 2, text=SECOND)
    assert second.texts()[1] == texts.ASK_SENT.format(id=2)
    card = avap.wait_question_card(fake_telegram, 2)
    suggestion = _wait_suggestion(fake_telegram, 1)
    assert suggestion.params["reply_parameters"]["message_id"] == card.result["message_id"]
    text = suggestion.params["text"]
    assert "Two pages." in text and "from the answer to question #1" in text
    row = _suggestion_row(srv, 2)
    assert row is not None and row["status"] == "ready" and row["used_model"] == 0
    assert avap.buttons(suggestion.params["reply_markup"]) == [
        (texts.BTN_SUGGESTION_SEND, cb.SendSuggestion(row["id"]).pack()),
        (texts.BTN_SUGGESTION_EDIT, cb.EditSuggestion(row["id"]).pack()),
        (texts.BTN_SUGGESTION_DISMISS, cb.DismissSuggestion(row["id"]).pack())]
    assert len(second.texts()) == 2                       # nothing reached the student yet

    # a group member who is not an admin is refused, and nothing changes
    member = avap.Chat(fake_telegram, srv, 777, chat_id=avap.QUESTIONS_GROUP)
    for action in (cb.SendSuggestion, cb.EditSuggestion, cb.DismissSuggestion):
        member.tap(action(row["id"]).pack(), message_id=suggestion.result["message_id"])
        refusal = fake_telegram.calls_of("answerCallbackQuery", AVAP_TOKEN)[-1]
        assert refusal.params["text"] == texts.ADMINS_ONLY
    assert _suggestion_row(srv, 2)["status"] == "ready" and len(second.texts()) == 2

    admin.tap(cb.SendSuggestion(row["id"]).pack(), message_id=suggestion.result["message_id"])
    assert second.wait_texts(3)[2] == texts.ANSWER_HEADER.format(id=2) + "\n\nTwo pages."
    question = avap.question_row(srv, 2)
    assert (question["answered"], question["answered_by"], question["answer"]) == (
        1, avap.ADMIN_ID, "Two pages.")
    assert _suggestion_row(srv, 2)["status"] == "sent"

    def edits() -> list[Call]:
        return avap.sent_to(fake_telegram, "editMessageText", avap.QUESTIONS_GROUP)

    fake_telegram.wait_for(lambda: any(int(e.params["message_id"]) == card.result["message_id"]
                                       for e in edits()))
    [card_edit] = [e for e in edits() if int(e.params["message_id"]) == card.result["message_id"]]
    assert "via suggestion" in card_edit.params["text"]
    fake_telegram.wait_for(lambda: any(
        int(e.params["message_id"]) == suggestion.result["message_id"] for e in edits()))

    # pressed again (a second admin, a stale button): already handled
    admin.tap(cb.SendSuggestion(row["id"]).pack())
    assert fake_telegram.calls_of("answerCallbackQuery", AVAP_TOKEN)[-1].params["text"] == \
        texts.SUGGESTION_DECIDED
    admin.tap(cb.DismissSuggestion(999).pack())
    assert fake_telegram.calls_of("answerCallbackQuery", AVAP_TOKEN)[-1].params["text"] == \
        texts.STALE_BUTTON
    assert len(second.texts()) == 3

    # /stats counts it
    owner = avap.Chat(fake_telegram, srv, avap.ADMIN_ID)
    owner.say("/stats")
    assert "1 posted (1 sent as is, 0 edited, 0 dismissed)" in owner.texts()[-1]


def test_edit_and_send_and_dismiss(fake_telegram: FakeTelegram, make_server) -> None:
    srv = avap.avap_server(make_server)
    admin = _answered_first(fake_telegram, srv)
    second = avap.Chat(fake_telegram, srv, 402)
    avap.ask(fake_telegram, second, 2, text=SECOND)
    suggestion = _wait_suggestion(fake_telegram, 1)
    row = _suggestion_row(srv, 2)
    admin.tap(cb.EditSuggestion(row["id"]).pack(), message_id=suggestion.result["message_id"])
    prompt = admin.texts()[-1]
    assert "send the corrected answer to question #2" in prompt and "Two pages." in prompt
    assert _suggestion_row(srv, 2)["status"] == "ready"
    admin.send("Two pages, plus an appendix if you need one.")
    assert second.wait_texts(3)[2] == texts.ANSWER_HEADER.format(id=2) + \
        "\n\nTwo pages, plus an appendix if you need one."
    assert _suggestion_row(srv, 2)["status"] == "edited"
    assert avap.question_row(srv, 2)["answer"] == "Two pages, plus an appendix if you need one."

    # a third student asks again: Dismiss closes the suggestion, the question stays open
    avap.add_verified_student(srv, 403, name="Cy Third")
    avap.ask(fake_telegram, avap.Chat(fake_telegram, srv, 403), 2, text=SECOND)
    suggestion = _wait_suggestion(fake_telegram, 2)
    assert "from the answer to question #" in suggestion.params["text"]
    row = _suggestion_row(srv, 3)
    admin.tap(cb.DismissSuggestion(row["id"]).pack(), message_id=suggestion.result["message_id"])
    assert fake_telegram.calls_of("answerCallbackQuery", AVAP_TOKEN)[-1].params["text"] == \
        texts.SUGGESTION_DISMISSED
    assert _suggestion_row(srv, 3)["status"] == "dismissed"
    assert avap.question_row(srv, 3)["answered"] == 0
    assert len(avap.Chat(fake_telegram, srv, 403).texts()) == 2
    fake_telegram.wait_for(lambda: any(
        "Dismissed by" in str(e.params["text"])
        for e in avap.sent_to(fake_telegram, "editMessageText", avap.QUESTIONS_GROUP)))

    # answered by a reply to the card instead: the suggestion is closed and loses its avap.buttons
    avap.add_verified_student(srv, 404, name="Di Fourth")
    avap.ask(fake_telegram, avap.Chat(fake_telegram, srv, 404), 2, text=SECOND)
    suggestion = _wait_suggestion(fake_telegram, 3)
    admin.send("One page is enough for the summary.",
               reply_to_message=avap.card_message(avap.wait_question_card(fake_telegram, 4)))
    fake_telegram.wait_for(lambda: _suggestion_row(srv, 4)["status"] == "superseded")
    fake_telegram.wait_for(lambda: any(
        int(e.params["message_id"]) == suggestion.result["message_id"]
        and "answered another way" in str(e.params["text"]) and "reply_markup" not in e.params
        for e in avap.sent_to(fake_telegram, "editMessageText", avap.QUESTIONS_GROUP)))


# --- with OpenAI (a fake over HTTP) -------------------------------------------------------------
def _ai_server(make_server: Any, fake_openai: FakeOpenAI, **env: str) -> ServerProcess:
    return avap.avap_server(make_server, **openai_env(fake_openai), **env)


def test_the_model_writes_the_suggestion_from_redacted_matches(
        fake_telegram: FakeTelegram, make_server, fake_openai: FakeOpenAI) -> None:
    """Acceptance 2: the prompt holds the matches and no email, phone or name; the model's
    answer is the suggestion; "not covered" offers no Send; a voice question is transcribed."""
    srv = _ai_server(make_server, fake_openai)
    avap.add_verified_student(srv, 401, name="Annabel Firstova")
    avap.add_verified_student(srv, 402, name="Boris Secondov")
    avap.ask(fake_telegram, avap.Chat(fake_telegram, srv, 401), 2,
         text=f"Hi, Annabel here (annabel@example.com, +374 91 234567). {FIRST}")
    card = avap.wait_question_card(fake_telegram, 1)
    admin = avap.Chat(fake_telegram, srv, avap.ADMIN_ID, chat_id=avap.QUESTIONS_GROUP)
    admin.send("Two pages, Annabel. Call me at +1 415 555 0100 if unsure.",
               reply_to_message=avap.card_message(card))
    fake_telegram.wait_for(lambda: avap.question_row(srv, 1)["answered"] == 1)

    fake_openai.script("Your business plan should be two pages long.")
    second = avap.Chat(fake_telegram, srv, 402)
    avap.ask(fake_telegram, second, 2, text=f"Boris Secondov, boris@example.com: {SECOND}")
    suggestion = _wait_suggestion(fake_telegram, 1)
    assert "Your business plan should be two pages long." in suggestion.params["text"]
    assert "from the answer to question #1" in suggestion.params["text"]
    row = _suggestion_row(srv, 2)
    assert row["used_model"] == 1 and row["sendable"] == 1
    prompt = "\n".join(str(m["content"]) for m in fake_openai.prompts()[-1])
    assert "Two pages" in prompt and "How long should the business plan be?" in prompt
    assert SECOND in prompt
    for secret in ("annabel@example.com", "boris@example.com", "374 91", "415 555", "Annabel",
                   "Boris", "Secondov", "Firstova"):
        assert secret not in prompt, secret
    with avap.db(srv) as conn:
        assert conn.execute("SELECT tokens FROM copilot_usage").fetchone()[0] > 0
    admin.tap(cb.SendSuggestion(row["id"]).pack(), message_id=suggestion.result["message_id"])
    assert second.wait_texts(3)[2] == texts.ANSWER_HEADER.format(id=2) + \
        "\n\nYour business plan should be two pages long."

    # a voice question: transcribed, then the model says the matches do not cover it
    fake_telegram.files["voice-7"] = b"OggS" + b"\0" * 400
    fake_openai.transcript = "How long should the business plan be for module 9?"
    fake_openai.script("NOT COVERED")
    avap.add_verified_student(srv, 403, name="Cy Third")
    avap.ask(fake_telegram, avap.Chat(fake_telegram, srv, 403), 2,
         voice={"file_id": "voice-7", "file_unique_id": "uv7", "duration": 3})
    suggestion = _wait_suggestion(fake_telegram, 2)
    assert fake_openai.transcriptions and fake_openai.transcriptions[0]["bytes"] == 404
    assert "module 9" in str(fake_openai.prompts()[-1][-1]["content"])
    row = _suggestion_row(srv, 3)
    assert row["sendable"] == 0 and row["used_model"] == 1
    assert suggestion.params["text"].startswith("💡 <b>No suggestion</b>")
    assert avap.buttons(suggestion.params["reply_markup"]) == [
        (texts.BTN_SUGGESTION_DISMISS, cb.DismissSuggestion(row["id"]).pack())]
    admin.tap(cb.SendSuggestion(row["id"]).pack())
    assert avap.question_row(srv, 3)["answered"] == 0                 # a forged Send does nothing


def test_over_the_budget_suggestions_are_search_only_and_slow_ones_are_dropped(
        fake_telegram: FakeTelegram, make_server, fake_openai: FakeOpenAI) -> None:
    srv = _ai_server(make_server, fake_openai, OPENAI_DAILY_TOKEN_BUDGET="1",
                     COPILOT_SECONDS="4")
    _answered_first(fake_telegram, srv)
    askers = [avap.Chat(fake_telegram, srv, n) for n in (403, 404, 405, 406)]
    for chat in askers:
        avap.add_verified_student(srv, chat.user_id, name=f"Student {chat.user_id}")

    # over 4 s: dropped, nothing posted (4 s, not 15: a loaded test machine stays under it)
    fake_openai.script(Reply(content="Too late.", delay=8))
    avap.ask(fake_telegram, avap.Chat(fake_telegram, srv, 402), 2, text=SECOND)
    fake_telegram.wait_for(lambda: (_suggestion_row(srv, 2) or {}).get("status") == "dropped")
    assert not _suggestions(fake_telegram)

    # the model's answer spends the day's budget (1 token)
    fake_openai.script("Two pages, as a rule.")
    avap.ask(fake_telegram, askers[0], 2, text=SECOND)
    assert "Two pages, as a rule." in _wait_suggestion(fake_telegram, 1).params["text"]

    # then search only, and the admins are told once
    avap.ask(fake_telegram, askers[1], 2, text=SECOND)
    quoted = _wait_suggestion(fake_telegram, 2)
    assert "<blockquote>Two pages.</blockquote>" in quoted.params["text"]
    assert _suggestion_row(srv, 4)["used_model"] == 0
    avap.ask(fake_telegram, askers[2], 2, text=SECOND)
    _wait_suggestion(fake_telegram, 3)
    assert len(fake_openai.requests) == 2
    alerts = [c for c in avap.sent_to(fake_telegram, "sendMessage", avap.QUESTIONS_GROUP)
              if c.params["text"] == texts.COPILOT_BUDGET_SPENT]
    assert len(alerts) == 1


# --- the FAQ ----------------------------------------------------------------------------------
def _document(file_id: str, name: str, content: bytes, fake: FakeTelegram) -> dict[str, Any]:
    fake.files[file_id] = content
    return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name,
            "mime_type": {"md": "text/markdown", "txt": "text/plain"}.get(
                name.rsplit(".", 1)[-1], "image/jpeg"),
            "file_size": len(content)}


def _faq_rows(srv: ServerProcess) -> list[tuple[int, str, str]]:
    with avap.db(srv) as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT id, question, answer FROM faq_entries ORDER BY id")]


def test_the_faq_is_kept_from_telegram_and_suggested(fake_telegram: FakeTelegram,
                                                     make_server) -> None:
    srv = avap.avap_server(make_server)
    owner = avap.Chat(fake_telegram, srv, avap.ADMIN_ID)
    assert owner.reply("/faq") == texts.FAQ_EMPTY

    # /faq add: the question, then the answer
    assert owner.reply("/faq add") == texts.FAQ_ASK_QUESTION
    assert owner.reply("Is there a final exam?") == texts.FAQ_ASK_ANSWER
    assert owner.reply("No: the final project replaces it.") == texts.FAQ_ADDED.format(id=1)

    # /faq import, then a Markdown document; and a text document with the command as caption
    assert owner.reply("/faq import") == texts.FAQ_IMPORT_PROMPT
    markdown = b"## Deadlines\nEvery Sunday at 23:59 Yerevan time.\n\n## Refunds\nWithin 14 days."
    owner.say_message(
document=_document("faq-md", "faq.md", markdown, fake_telegram))
    assert owner.texts()[-1] == texts.FAQ_IMPORTED.format(n=2)
    plain = b"Q: Can I pause the course?\nA: Once, for up to 2 months.\n"
    owner.say_message(
document=_document("faq-txt", "faq.txt", plain, fake_telegram), caption="/faq import")
    assert owner.texts()[-1] == texts.FAQ_IMPORTED.format(n=1)
    owner.say_message(
document=_document("faq-bin", "photo.jpg", b"\xff\xd8", fake_telegram),
caption="/faq import")
    assert owner.texts()[-1] == texts.FAQ_IMPORT_BAD_FILE
    assert [r[1] for r in _faq_rows(srv)] == ["Is there a final exam?", "Deadlines", "Refunds",
                                             "Can I pause the course?"]

    # /faq lists them with a remove button each; a non-admin cannot list or remove
    owner.say("/faq")
    listing = owner.texts()[-1]
    assert listing.startswith(texts.FAQ_HEAD.format(n=4)) and "Deadlines" in listing
    assert [d for _, d in avap.buttons(owner.last_markup())] == [
        cb.RemoveFaq(i).pack() for i in (1, 2, 3, 4)]
    student = avap.student_chat(fake_telegram, srv, 401, name="Ann First")
    assert student.reply("/faq") == texts.ADMINS_ONLY
    student.tap(cb.RemoveFaq(3).pack())
    assert fake_telegram.calls_of("answerCallbackQuery", AVAP_TOKEN)[-1].params["text"] == \
        texts.ADMINS_ONLY
    owner.tap(cb.RemoveFaq(3).pack())
    assert fake_telegram.calls_of("answerCallbackQuery", AVAP_TOKEN)[-1].params["text"] == \
        texts.FAQ_REMOVED.format(id=3)
    assert [r[0] for r in _faq_rows(srv)] == [1, 2, 4]
    edited = fake_telegram.calls_of("editMessageText", AVAP_TOKEN)[-1]
    assert "Refunds" not in edited.params["text"]
    owner.tap(cb.RemoveFaq(3).pack())
    assert fake_telegram.calls_of("answerCallbackQuery", AVAP_TOKEN)[-1].params["text"] == \
        texts.STALE_BUTTON

    # a student's question is answered from the FAQ
    avap.ask(fake_telegram, student, 3, text="When is the deadline?")
    suggestion = _wait_suggestion(fake_telegram, 1)
    assert "from FAQ: Deadlines" in suggestion.params["text"]
    assert "Every Sunday at 23:59 Yerevan time." in suggestion.params["text"]
