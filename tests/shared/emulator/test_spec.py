"""Every call checked against the Bot API description: missing or mistyped parameters are
refused as Telegram refuses them, ignored ones are logged and recorded; JSON, form and query
bodies all work."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from shared.emulator import Emulator
from tests.shared.emulator.conftest import TOKEN, USER, EmulatorServer


@pytest.fixture
def api(server: EmulatorServer, emu: Emulator) -> str:
    emu.send_text(TOKEN, USER, "/start")
    return f"{server.url}/bot{TOKEN}"


def test_missing_required_parameter(api: str, emu: Emulator) -> None:
    r = httpx.post(f"{api}/sendMessage", json={"text": "hi"})
    assert r.status_code == 400
    assert r.json() == {"ok": False, "error_code": 400,
                        "description": "Bad Request: chat_id is empty"}
    r = httpx.post(f"{api}/sendMessage", json={"chat_id": USER})
    assert r.json()["description"] == "Bad Request: message text is empty"
    r = httpx.post(f"{api}/getFile", json={})
    assert r.json()["description"] == 'Bad Request: parameter "file_id" is required'
    assert [v.kind for v in emu.violations] == ["refused"] * 3


def test_wrong_type(api: str, emu: Emulator) -> None:
    r = httpx.post(f"{api}/editMessageText", data={"chat_id": USER, "message_id": "first",
                                                    "text": "x"})
    assert r.status_code == 400
    assert r.json()["description"].startswith('Bad Request: field "message_id" has wrong type')
    r = httpx.post(f"{api}/sendMessage", data={"chat_id": USER, "text": "x",
                                                "reply_markup": "not json"})
    assert r.json()["description"] == \
        "Bad Request: can't parse reply keyboard markup JSON object"
    r = httpx.post(f"{api}/sendMessage", json={"chat_id": USER, "text": "x",
                                                "reply_markup": {"inline_keyboard": [[{}]]}})
    assert r.status_code == 400
    assert len(emu.violations) == 3


def test_ignored_parameter_is_logged_and_recorded(api: str, emu: Emulator,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="shared.emulator"):
        r = httpx.post(f"{api}/sendMessage", json={
            "chat_id": USER, "text": "x", "reply_to_message_id": 1,
            "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "a",
                                                   "colour": "red"}]]}})
    assert r.json()["ok"] is True  # Telegram ignores what it does not know
    details = [v.detail for v in emu.violations]
    assert details == ["sendMessage.reply_to_message_id",
                       "sendMessage.reply_markup.inline_keyboard.colour"]
    assert {v.kind for v in emu.violations} == {"ignored parameter"}
    assert "sendMessage.reply_to_message_id" in caplog.text


def test_form_multipart_and_query_bodies(api: str, emu: Emulator) -> None:
    markup = json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]})
    r = httpx.post(f"{api}/sendMessage", data={"chat_id": str(USER), "text": "[1] form",
                                                "reply_markup": markup,
                                                "disable_notification": "true"})
    assert r.json()["result"]["text"] == "[1] form"  # a String stays a string
    assert r.json()["result"]["reply_markup"] == json.loads(markup)
    r = httpx.post(f"{api}/sendDocument", data={"chat_id": str(USER), "caption": "c"},
                   files={"document": ("a.txt", b"abc", "text/plain")})
    doc = r.json()["result"]["document"]
    assert doc["file_name"] == "a.txt" and doc["file_size"] == 3
    r = httpx.get(f"{api}/sendMessage", params={"chat_id": USER, "text": "query"})
    assert r.json()["result"]["text"] == "query"
    assert r.json()["result"]["from"]["is_bot"] is True
    assert isinstance(r.json()["result"]["date"], int)
    assert emu.violations == []


def test_unknown_method(api: str) -> None:
    r = httpx.post(f"{api}/sendTelepathy", json={})
    assert r.status_code == 404
    assert r.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


def test_an_empty_reply_markup_is_no_keyboard(api: str, emu: Emulator) -> None:
    """PTB sends ``{}`` for a keyboard without rows; Telegram takes it as no keyboard."""
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    sent = httpx.post(f"{api}/sendMessage", json={"chat_id": USER, "text": "x",
                                                   "reply_markup": markup}).json()["result"]
    r = httpx.post(f"{api}/editMessageText", data={
        "chat_id": USER, "message_id": sent["message_id"], "text": "y", "reply_markup": "{}"})
    assert "reply_markup" not in r.json()["result"]
    assert emu.violations == []
