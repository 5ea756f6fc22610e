"""The sandbox page's API behind the buttons the browser test does not press: a new person, an
upload, the inspector's outcome, a job run now, the clock, reset, and a transcript downloaded
and replayed; bad input is refused with a clear answer and changes nothing."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from avap_bot import texts
from tests.e2e.conftest import ServerProcess
from tests.e2e.sandbox import api, sandbox_process
from tests.eventually import eventually

pytestmark = pytest.mark.e2e

ANN_CHAT = "pavap:301"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[ServerProcess]:
    srv = sandbox_process(tmp_path).start("sandbox")
    try:
        yield srv
    finally:
        srv.stop()


def messages(srv: ServerProcess, person: int, chat: str) -> list[dict[str, Any]]:
    return api(srv, f"/messages?person={person}&chat={chat}")["messages"]


def texts_of(srv: ServerProcess, person: int, chat: str) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in messages(srv, person, chat)]


def test_people_uploads_inspector_jobs_and_clock(sandbox: ServerProcess) -> None:
    srv = sandbox
    people = api(srv, "/people")["people"]
    assert [p["id"] for p in people] == [301, 302, 9001, 7001, 501]
    added = api(srv, "/people", {"name": "Zara New"})["person"]
    assert added["id"] > 10_000 and added["name"] == "Zara New"
    chats = api(srv, f"/chats?person={added['id']}")["chats"]
    assert [c["kind"] for c in chats] == ["private", "private", "channel"]

    assert api(srv, "/act/send", {"person": 301, "chat": ANN_CHAT, "text": "/start"})["ok"]
    eventually(lambda: texts.WELCOME_NEW in texts_of(srv, 301, ANN_CHAT))
    # the contact of the reply keyboard, then a file from the computer
    assert api(srv, "/act/contact", {"person": 301, "chat": ANN_CHAT})["ok"]
    eventually(lambda: texts.VERIFY_MATCHED.format(name="Ann Student")
               in texts_of(srv, 301, ANN_CHAT))
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    assert api(srv, "/act/upload", {"person": 301, "chat": ANN_CHAT, "file_name": "me.png",
                                    "mime_type": "image/png", "caption": "hello",
                                    "content": base64.b64encode(png).decode()})["ok"]
    photo = eventually(lambda: next((m for m in messages(srv, 301, ANN_CHAT) if "photo" in m),
                                    None))
    file_id = photo["photo"][-1]["file_id"]
    assert httpx.get(f"{srv.url}/sandbox/api/file/{file_id}", timeout=5).content == png

    # the inspector: the update that went in, the handler, its outcome; the call that came out
    entry = eventually(lambda: (e := api(srv, f"/inspect?chat={ANN_CHAT}&message_id=1")[
        "entry"]) and e["handled"] and e)
    assert entry["update"]["message"]["text"] == "/start"
    assert entry["handled"][0]["handler"] == "start"
    assert entry["handled"][0]["outcome"] == "done"
    out = api(srv, f"/inspect?chat={ANN_CHAT}&message_id=2")["entry"]
    assert out["calls"][0]["method"] == "sendMessage"
    assert out["calls"][0]["params"]["chat_id"] in (301, "301")

    # a job now: nothing due, the publisher says so; the clock moves forward only
    assert api(srv, "/jobs/due", {}) == {"ok": True, "job": "due", "result": 0}
    before = api(srv, "/people")["clock"]
    moved = api(srv, "/clock", {"seconds": 7200})
    assert moved["ok"] and moved["clock"] > before
    assert api(srv, "/people")["clock_offset_s"] == 7200
    assert api(srv, "/clock", {"seconds": -5}) == {
        "ok": False, "error": "seconds: between 1 and a year"}
    assert api(srv, "/clock", {"to": "next_post"}) == {"ok": False, "error": "no post is scheduled"}


def test_bad_input_is_refused_and_changes_nothing(sandbox: ServerProcess) -> None:
    srv = sandbox
    refused = [
        ("/act/send", {"person": 301, "chat": "g-1002000000001", "text": "hi"}),  # the channel
        ("/act/send", {"person": 999999, "chat": ANN_CHAT, "text": "hi"}),  # nobody
        ("/act/send", {"person": "x", "chat": ANN_CHAT, "text": "hi"}),
        ("/act/send", {"person": 301, "chat": "pnope:301", "text": "hi"}),
        ("/act/send", {"person": 301, "chat": ANN_CHAT, "text": "  "}),
        ("/act/press", {"person": 301, "chat": ANN_CHAT, "message_id": 77, "data": "x"}),
        ("/act/contact", {"person": 9001, "chat": "g-1001000000001"}),
        ("/act/upload", {"person": 301, "chat": ANN_CHAT, "content": "not base64!"}),
    ]
    for path, body in refused:
        response = httpx.post(f"{srv.url}/sandbox/api{path}", json=body, timeout=10)
        assert response.status_code in (400, 404), (path, body, response.text)
        assert response.json()["ok"] is False and response.json()["error"], response.text
    assert httpx.post(f"{srv.url}/sandbox/api/act/send", content=b"{", timeout=10).json() == {
        "ok": False, "error": "expected a JSON body"}
    assert httpx.get(f"{srv.url}/sandbox/api/messages?person=301&chat={ANN_CHAT}x",
                     timeout=10).status_code == 400
    assert api(srv, "/transcript")["actions"] == []
    assert api(srv, "/transcript", {"format": "other"}) == {
        "ok": False, "error": "not a sandbox transcript"}
    assert messages(srv, 301, ANN_CHAT) == []


def test_reset_and_a_transcript_replayed(sandbox: ServerProcess) -> None:
    srv = sandbox
    api(srv, "/act/send", {"person": 301, "chat": ANN_CHAT, "text": "/start"})
    eventually(lambda: len(messages(srv, 301, ANN_CHAT)) == 2)
    api(srv, "/act/send", {"person": 301, "chat": ANN_CHAT, "text": "ann@example.com"})
    eventually(lambda: len(messages(srv, 301, ANN_CHAT)) == 4)
    card = eventually(lambda: next(
        (m for m in messages(srv, 9001, "g-1001000000001") if m.get("reply_markup")), None))
    approve = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    api(srv, "/act/press", {"person": 9001, "chat": "g-1001000000001",
                            "message_id": card["message_id"], "data": approve})
    approved = texts.VERIFY_APPROVED.format(name="Ann Student")
    eventually(lambda: approved in texts_of(srv, 301, ANN_CHAT))
    transcript = httpx.get(f"{srv.url}/sandbox/api/transcript", timeout=10)
    assert "attachment" in transcript.headers["content-disposition"]
    saved = transcript.json()
    assert [a["action"] for a in saved["actions"]] == ["send", "send", "press"]
    assert any(approved == m.get("text") for m in saved["chats"][f"avap:{301}"])

    # reset: a fresh Telegram and database (the demo data again)
    api(srv, "/people", {"name": "Temp"})
    assert api(srv, "/reset", {})["ok"]
    assert messages(srv, 301, ANN_CHAT) == []
    assert len(api(srv, "/people")["people"]) == 5
    assert api(srv, "/transcript")["actions"] == []

    # the saved session, replayed: the same conversation again, Ann approved
    assert api(srv, "/transcript", saved) == {"ok": True, "replayed": 3}
    eventually(lambda: approved in texts_of(srv, 301, ANN_CHAT))
    assert texts_of(srv, 301, ANN_CHAT)[:2] == ["/start", texts.WELCOME_NEW]
    assert [a["action"] for a in api(srv, "/transcript")["actions"]] == ["send", "send", "press"]
