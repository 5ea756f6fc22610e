"""Helpers for end-to-end tests of the shopping bot: a server with the channel configured, an
editor's chat, the posts table of the server's database."""

from __future__ import annotations

from typing import Any

from tests.e2e.avap import Chat, db
from tests.e2e.conftest import EDITOR_ID, SHOP_TOKEN, ServerProcess
from tests.fakes.telegram_api import Call, FakeTelegram

CHANNEL_ID = -1002000000001
# the fake Bot API has no per-chat limit: a step-by-step flow need not wait a second per message
SHOP_ENV = {"SHOPPING_CHANNEL_ID": str(CHANNEL_ID), "PRIVATE_CHAT_RATE": "20"}


def shop_server(make_server: Any, name: str = "server", **env: str) -> ServerProcess:
    """A started server with the shopping channel configured (EDITOR_ID is the owner)."""
    return make_server(name, **{**SHOP_ENV, **env}).start()


class Editor(Chat):
    """An editor (or anyone) talking to the shopping bot in a private chat."""

    BOT = "shopping"
    TOKEN = SHOP_TOKEN

    def __init__(self, fake: FakeTelegram, srv: ServerProcess, user_id: int = EDITOR_ID,
                 chat_id: int | None = None) -> None:
        super().__init__(fake, srv, user_id, chat_id)

    def calls(self, method: str | None = None) -> list[Call]:
        """Every Bot API call the shopping bot made to this chat (all methods by default)."""
        return [c for c in self.fake.calls if c.token == SHOP_TOKEN and
                (method is None or c.method == method) and
                str(c.params.get("chat_id")) == str(self.chat_id)]

    def last_buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data) of the last inline keyboard sent or edited in this chat."""
        for call in reversed(self.calls()):
            markup = call.params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                return [(b["text"], b.get("callback_data", "")) for row in
                        markup["inline_keyboard"] for b in row]
        return []


def channel_calls(fake: FakeTelegram, method_prefix: str = "send") -> list[Call]:
    """What the shopping bot sent (or edited, deleted) in the channel, refusals excluded."""
    return [c for c in fake.calls if c.token == SHOP_TOKEN and c.method.startswith(method_prefix)
            and str(c.params.get("chat_id")) == str(CHANNEL_ID) and c.error is None]


def posts(srv: ServerProcess) -> list[dict[str, Any]]:
    with db(srv) as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM posts ORDER BY id")]


__all__ = ["CHANNEL_ID", "EDITOR_ID", "Editor", "channel_calls", "posts", "shop_server"]
