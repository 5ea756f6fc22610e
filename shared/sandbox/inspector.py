"""What the inspector shows: for each message, the update that went in (a person's message) or
the Bot API call that came out (a bot's), and for each update the handler that ran and its
outcome (done, retry, dead) as the inbox worker logged it."""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

# the inbox worker's one line per update (shared/inbox.py ``_log``)
INBOX_LOGGER = "shared.inbox"


def chat_key(bot: str | None, chat: dict[str, Any]) -> str:
    """The page's name of a chat: ``p<bot>:<person>`` (a private chat is per bot) or
    ``g<id>``."""
    if chat.get("type") == "private":
        return f"p{bot}:{chat['id']}"
    return f"g{chat['id']}"


class Inspector(logging.Handler):
    """Collects the emulator's updates and calls and the inbox's outcomes."""

    def __init__(self, bot_names: dict[str, str], keep: int = 5000) -> None:
        super().__init__(logging.INFO)
        self.bot_names = bot_names  # token -> bot name
        self.by_message: dict[tuple[str, int], dict[str, Any]] = {}
        self.outcomes: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep)

    def clear(self) -> None:
        self.by_message.clear()
        self.outcomes.clear()
        self.recent.clear()

    # --- from the inbox worker's log ------------------------------------------------------------
    def emit(self, record: logging.LogRecord) -> None:
        update_id = getattr(record, "update_id", None)
        bot = getattr(record, "bot", None)
        if update_id is None or bot is None:
            return
        self.outcomes.setdefault((str(bot), int(update_id)), []).append({
            "attempt": getattr(record, "attempt", None),
            "handler": getattr(record, "handler", None),
            "outcome": getattr(record, "outcome", None),
            "duration_ms": getattr(record, "duration_ms", None)})

    # --- from the emulator's events -------------------------------------------------------------
    def on_event(self, event: dict[str, Any]) -> None:
        """An emulator event: remember updates and calls by the message they concern."""
        kind = event["type"]
        if kind == "update":
            bot = self.bot_names.get(event["bot"], event["bot"])
            update = event["update"]
            entry = {"direction": "update in", "bot": bot, "update": update}
            self.recent.append(entry)
            msg = update.get("message") or update.get("channel_post")
            if isinstance(msg, dict):
                key = (chat_key(bot, msg["chat"]), int(msg["message_id"]))
                self.by_message.setdefault(key, entry)
        elif kind == "call":
            bot = self.bot_names.get(event["bot"], event["bot"])
            entry = {"direction": "Bot API call out", "bot": bot, "method": event["method"],
                     "params": event["params"], "result": event["result"]}
            self.recent.append(entry)
            results = event["result"] if isinstance(event["result"], list) else [event["result"]]
            for result in results:
                if isinstance(result, dict) and "message_id" in result and "chat" in result:
                    key = (chat_key(bot, result["chat"]), int(result["message_id"]))
                    calls = self.by_message.setdefault(key, {"calls": []})
                    calls.setdefault("calls", []).append(entry)

    def lookup(self, chat: str, message_id: int) -> dict[str, Any] | None:
        """The inspector's view of one message."""
        entry = self.by_message.get((chat, message_id))
        if entry is None:
            return None
        out = dict(entry)
        if "update" in entry:
            out["handled"] = self.outcomes.get(
                (entry["bot"], int(entry["update"]["update_id"])), [])
        return out

    def handled_all(self) -> list[dict[str, Any]]:
        """The recent updates and calls, each update with its outcomes."""
        out = []
        for entry in self.recent:
            if "update" in entry:
                entry = {**entry, "handled": self.outcomes.get(
                    (entry["bot"], int(entry["update"]["update_id"])), [])}
            out.append(entry)
        return out

