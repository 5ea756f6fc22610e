"""Updates built the way Telegram sends them (dates in seconds, entities for commands)."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1_000)


def user(user_id: int, first_name: str = "Ann", username: str | None = "ann") -> dict[str, Any]:
    u: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name,
                         "language_code": "en"}
    if username:
        u["username"] = username
    return u


def chat(chat_id: int, *, user_id: int | None = None, title: str = "Admins") -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "Ann", "username": "ann"}
    return {"id": chat_id, "type": "supergroup", "title": title}


def message(update_id: int, text: str, *, user_id: int = 42, chat_id: int | None = None,
            message_id: int | None = None, **extra: Any) -> dict[str, Any]:
    """A text message (a command gets its bot_command entity)."""
    chat_id = user_id if chat_id is None else chat_id
    msg: dict[str, Any] = {
        "message_id": message_id or next(_ids),
        "date": int(time.time()),
        "chat": chat(chat_id),
        "from": user(user_id),
        "text": text,
    }
    if text.startswith("/"):
        msg["entities"] = [{"type": "bot_command", "offset": 0,
                            "length": len(text.split()[0])}]
    msg.update(extra)
    return {"update_id": update_id, "message": msg}


def callback(update_id: int, data: str, *, user_id: int = 42, chat_id: int | None = None,
             message_id: int = 1) -> dict[str, Any]:
    chat_id = user_id if chat_id is None else chat_id
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(next(_ids)),
            "from": user(user_id),
            "chat_instance": "-123456789",
            "data": data,
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": chat(chat_id), "text": "menu"},
        },
    }


def group_upgraded(update_id: int, old_chat_id: int, new_chat_id: int) -> dict[str, Any]:
    """The service message Telegram sends in a group that became a supergroup."""
    return {"update_id": update_id, "message": {
        "message_id": next(_ids), "date": int(time.time()),
        "chat": {"id": old_chat_id, "type": "group", "title": "Admins"},
        "from": user(1), "migrate_to_chat_id": new_chat_id}}
