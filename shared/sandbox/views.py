"""What the page shows of the emulator's Telegram to one person: their chats (private chats
with each bot, the groups and the channel they are in) and a chat's messages."""

from __future__ import annotations

from typing import Any

from shared.emulator import Emulator
from shared.emulator.world import ChatState
from shared.sandbox.world import BOT_NAMES, TOKENS

_GONE = ("left", "kicked")


def _preview(msg: dict[str, Any] | None) -> str:
    if msg is None:
        return ""
    for key in ("text", "caption"):
        if msg.get(key):
            return str(msg[key])[:80]
    kind = next((k for k in ("photo", "video", "document", "voice", "audio", "animation",
                             "video_note", "contact", "sticker") if k in msg), None)
    return f"[{kind}]" if kind else ""


def _summary(key: str, title: str, kind: str, chat: ChatState | None, person: int,
             bot: str | None = None) -> dict[str, Any]:
    messages = [] if chat is None else [chat.messages[k] for k in sorted(chat.messages)]
    last = messages[-1] if messages else None
    theirs = [m["message_id"] for m in messages
              if (m.get("from") or {}).get("id") != person]
    return {"key": key, "title": title, "kind": kind, "bot": bot,
            "last_id": max((m["message_id"] for m in messages), default=0),
            "others_ids": theirs, "preview": _preview(last)}


def chats_of(emu: Emulator, person: int) -> list[dict[str, Any]]:
    """The person's chats, private chats with the bots first."""
    out = []
    with emu.lock:
        for bot, token in TOKENS.items():
            chat = emu.world.private.get((token, person))
            out.append(_summary(f"p{bot}:{person}", BOT_NAMES[bot][1], "private", chat,
                                person, bot))
        for chat in emu.world.chats.values():
            status = chat.statuses.get(person)
            if status is None or status in _GONE or chat.migrated_to is not None:
                continue
            out.append(_summary(f"g{chat.id}", chat.info.get("title", str(chat.id)), chat.type,
                                chat, person))
    for summary in out:
        # unread: a count of the others' messages is enough for the page (it keeps what it saw)
        summary["others"] = len(summary.pop("others_ids"))
    return out


def chat_view(emu: Emulator, person: int, key: str) -> dict[str, Any]:
    """A chat's messages (oldest first) and the reply keyboard the person sees in it."""
    with emu.lock:
        if key.startswith("p"):
            bot, _, owner = key[1:].partition(":")
            if bot not in TOKENS or owner != str(person):
                raise LookupError("no such chat")
            chat = emu.world.private.get((TOKENS[bot], person))
            keyboard = None if chat is None else chat.keyboards.get(TOKENS[bot])
            writable = True
        else:
            chat = emu.world.chats.get(int(key[1:]))
            if chat is None or chat.statuses.get(person) in (None, *_GONE):
                raise LookupError("no such chat")
            keyboard = None
            writable = chat.type != "channel"
        messages = [] if chat is None else [dict(chat.messages[k]) for k in sorted(chat.messages)]
    bots = {emu.bot(t).id for t in TOKENS.values()}
    for msg in messages:
        sender = msg.get("from") or {}
        msg["_mine"] = sender.get("id") == person
        msg["_bot"] = sender.get("id") in bots or "sender_chat" in msg
        msg["_sender"] = (msg.get("sender_chat") or {}).get("title") or \
            " ".join(x for x in (sender.get("first_name"), sender.get("last_name")) if x)
    return {"key": key, "messages": messages, "keyboard": keyboard, "writable": writable}
