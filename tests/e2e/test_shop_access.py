"""Who may use the TimeToShopping bot, end to end: a stranger changes nothing and hears one
refusal; owners add and remove editors from the bot, and the change is seen at the next update;
an editor cannot manage editors; activity is recorded; /start, /help and the fallbacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from shopping_bot import texts
from tests.e2e.avap import db
from tests.e2e.conftest import SHOP_TOKEN, ServerProcess
from tests.e2e.shopping import EDITOR_ID, Editor, channel_calls, shop_server
from tests.fakes.telegram_api import Action, FakeTelegram

pytestmark = pytest.mark.e2e

STRANGER = 6660
NEW_EDITOR = 7002
NEVER_OPENED = 7003
SECRET = "my secret plan 42"


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")


def add_post(srv: ServerProcess, status: str = "draft") -> int:
    with db(srv) as conn:
        cur = conn.execute(
            "INSERT INTO posts (title, text, status, post_format, created_by, created_at, "
            "updated_at, separate_text, attempts) VALUES ('T', 'Hello', ?, 'product', ?, ?, ?, "
            "0, 0)", (status, EDITOR_ID, _now(), _now()))
        return int(cur.lastrowid)


def snapshot(srv: ServerProcess) -> dict[str, list[tuple[Any, ...]]]:
    with db(srv) as conn:
        return {table: [tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY id")]
                for table in ("posts", "analytics", "users", "post_links")}


def answers(fake: FakeTelegram) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_of("answerCallbackQuery", SHOP_TOKEN)]


def menu_of(fake: FakeTelegram, user_id: int) -> list[str] | None:
    """The command names set for ``user_id``'s private chat (None: never set)."""
    key = json.dumps({"chat_id": user_id, "type": "chat"}, sort_keys=True)
    commands = fake.bot(SHOP_TOKEN).commands.get(key)
    return None if commands is None else [c["command"] for c in commands]


def test_a_stranger_changes_nothing_and_hears_one_refusal(
        fake_telegram: FakeTelegram, make_server: Any) -> None:
    srv = shop_server(make_server)
    post_id = add_post(srv)
    before = snapshot(srv)
    stranger = Editor(fake_telegram, srv, STRANGER)

    stranger.say("/new")
    stranger.say(SECRET)
    stranger.done(stranger.send_message(
        photo=[{"file_id": "PH1", "file_unique_id": "uPH1", "width": 800, "height": 600}],
        caption=SECRET))
    stranger.tap(f"pn:{post_id}")

    assert snapshot(srv) == before
    assert stranger.texts() == [texts.NOT_AUTHORIZED]
    assert [c.method for c in stranger.calls()] == ["sendMessage"]
    (answer,) = answers(fake_telegram)
    assert answer["text"] == texts.NOT_AUTHORIZED
    assert str(answer["show_alert"]).lower() == "true"
    assert channel_calls(fake_telegram, "") == []
    refusals = [r for r in srv.log_records() if r["msg"] == "refused a user who is not an editor"]
    assert len(refusals) == 4
    assert all(r["user_id"] == STRANGER and r["username"] == "ann" and r["ts"] for r in refusals)
    assert SECRET not in srv.log_text()


def test_owners_add_and_remove_editors(fake_telegram: FakeTelegram, make_server: Any) -> None:
    srv = shop_server(make_server)
    owner = Editor(fake_telegram, srv)
    editor = Editor(fake_telegram, srv, NEW_EDITOR)

    editor.say("/start")  # not yet an editor
    assert editor.texts() == [texts.NOT_AUTHORIZED]

    assert owner.reply(f"/addeditor {NEW_EDITOR}") == texts.EDITOR_ADDED.format(id=NEW_EDITOR)
    menu = menu_of(fake_telegram, NEW_EDITOR)
    assert menu is not None and "new" in menu and "help" in menu
    assert not {"editors", "addeditor", "removeeditor"} & set(menu)
    assert not [c for c in editor.calls() if c.method == "sendMessage"][1:]  # told nothing

    # the editor is let in at once, and cannot manage editors
    editor.say("/start")
    assert texts.WELCOME.split(",")[0] in editor.texts()[-1]
    keyboard = editor.calls("sendMessage")[-1].params["reply_markup"]["keyboard"]
    assert {texts.MENU_NEW, texts.MENU_HELP} <= {b["text"] for row in keyboard for b in row}
    assert editor.reply("/help") == texts.HELP
    assert editor.reply(texts.MENU_HELP) == texts.HELP
    assert editor.reply(f"/addeditor {NEVER_OPENED}") == texts.OWNERS_ONLY
    assert editor.reply("/editors") == texts.OWNERS_ONLY

    # an editor who never opened the bot: Telegram refuses their menu, the owner is told
    fake_telegram.script("setMyCommands",
                         Action(error_code=400, description="Bad Request: chat not found"))
    assert owner.reply(f"/addeditor {NEVER_OPENED}") == \
        texts.EDITOR_ADDED_NO_CHAT.format(id=NEVER_OPENED)
    assert owner.reply(f"/addeditor {NEVER_OPENED}") == texts.EDITOR_ALREADY.format(id=NEVER_OPENED)
    assert owner.reply(f"/addeditor {EDITOR_ID}") == texts.EDITOR_IS_OWNER.format(id=EDITOR_ID)
    assert owner.reply("/addeditor someone") == texts.ADDEDITOR_USAGE

    owner.say("/editors")
    listing = owner.texts()[-1]
    assert str(EDITOR_ID) in listing and str(NEW_EDITOR) in listing
    assert str(NEVER_OPENED) in listing
    assert {d for _, d in owner.last_buttons()} == {f"er:{NEW_EDITOR}", f"er:{NEVER_OPENED}"}

    # removed by command: refused at the next update, menu taken away
    assert owner.reply(f"/removeeditor {NEW_EDITOR}") == texts.EDITOR_REMOVED.format(id=NEW_EDITOR)
    assert fake_telegram.calls_of("deleteMyCommands", SHOP_TOKEN)
    assert editor.reply("/start") == texts.NOT_AUTHORIZED
    assert owner.reply(f"/removeeditor {NEW_EDITOR}") == \
        texts.EDITOR_NOT_FOUND.format(id=NEW_EDITOR)

    # removed by the button under /editors: the list is shown again without them
    owner.tap(f"er:{NEVER_OPENED}")
    assert answers(fake_telegram)[-1]["text"] == texts.EDITOR_REMOVED_ALERT
    edited = owner.calls("editMessageText")[-1].params
    assert str(NEVER_OPENED) not in edited["text"] and texts.EDITORS_NONE in edited["text"]
    owner.tap(f"er:{NEVER_OPENED}")  # pressed twice
    assert answers(fake_telegram)[-1]["text"] == texts.STALE_BUTTON

    with db(srv) as conn:
        rows = {r["telegram_id"]: dict(r) for r in conn.execute("SELECT * FROM users")}
    assert rows[EDITOR_ID]["last_activity"] is not None
    assert rows[EDITOR_ID]["username"] == "ann"
    assert not rows[NEW_EDITOR]["is_authorized"] and not rows[NEVER_OPENED]["is_authorized"]
    assert rows[NEW_EDITOR]["last_activity"] is not None  # while they were an editor


def test_fallbacks(fake_telegram: FakeTelegram, make_server: Any) -> None:
    srv = shop_server(make_server)
    owner = Editor(fake_telegram, srv)

    owner.tap("zz:forged")
    assert answers(fake_telegram)[-1]["text"] == texts.STALE_BUTTON
    assert owner.reply("what can you do?") == texts.FALLBACK_HINT
    assert owner.reply("/nosuchcommand") == texts.FALLBACK_HINT
    assert owner.reply("/cancel") == texts.NOTHING_TO_CANCEL


def test_help_and_the_command_menu_list_every_command() -> None:
    """No server: the commands the feature modules register are all in texts.COMMANDS and
    texts.HELP (and nothing is listed that no module handles)."""
    import importlib

    from telegram.ext import CommandHandler

    import shopping_bot

    registered: set[str] = set()
    for name in shopping_bot.FEATURES:
        module = importlib.import_module(f"shopping_bot.handlers.{name}")
        for handler in [*module.HANDLERS, *getattr(module, "FALLBACK", [])]:
            if isinstance(handler, CommandHandler):
                registered |= set(handler.commands)
    listed = {c for c, _ in texts.COMMANDS}
    assert registered == listed
    assert all(f"/{c}" in texts.HELP for c in listed)
