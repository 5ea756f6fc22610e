"""What the emulator knows: bots, people, chats with their messages, files.

A group, supergroup or channel is one chat whatever bots are in it (message ids per chat); a
private chat is between one person and one bot, so a person's chat with bot A is not their chat
with bot B. Ids: people and private chats positive, groups negative, supergroups and channels
``-100…``, as Telegram numbers them.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from shared.emulator.errors import bad_request, chat_not_found, forbidden

SUPERGROUP_BASE = -1_000_000_000_000


def now() -> int:
    """Telegram's dates: whole seconds."""
    return int(time.time())


@dataclass
class ChatState:
    """One chat: its Telegram ``Chat`` object, messages by id, members (bot tokens)."""

    info: dict[str, Any]
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    members: set[str] = field(default_factory=set)
    statuses: dict[int, str] = field(default_factory=dict)  # person -> creator/member/...
    keyboards: dict[str, dict[str, Any]] = field(default_factory=dict)  # bot -> reply keyboard
    migrated_to: int | None = None
    blocked: bool = False  # a private chat whose person blocked the bot

    @property
    def id(self) -> int:
        return int(self.info["id"])

    @property
    def type(self) -> str:
        return str(self.info["type"])

    def new_message_id(self) -> int:
        """The next message id of this chat."""
        mid = self.next_id
        self.next_id += 1
        return mid

    def store(self, message: dict[str, Any]) -> dict[str, Any]:
        """Keep ``message`` (its id may come from outside: the counter moves past it)."""
        mid = int(message["message_id"])
        self.messages[mid] = message
        self.next_id = max(self.next_id, mid + 1)
        return message


@dataclass
class FileRecord:
    """A file Telegram stores: uploaded by a bot or sent by a person."""

    file_id: str
    file_unique_id: str
    content: bytes
    kind: str = "document"
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def file_path(self) -> str:
        return f"{self.kind}s/{self.file_id}"


@dataclass
class BotState:
    """One bot (one token): its user, webhook or update queue, commands, open queries."""

    token: str
    user: dict[str, Any]
    webhook_url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    menu_buttons: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending_updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    last_error_message: str | None = None
    last_error_date: int | None = None
    callback_queries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return int(self.user["id"])


def bot_user(token: str, username: str | None = None,
             first_name: str | None = None) -> dict[str, Any]:
    """The ``User`` a bot's getMe answers (its id is the token's number)."""
    head = token.split(":", 1)[0]
    bot_id = int(head) if head.isdigit() else 1
    return {"id": bot_id, "is_bot": True, "first_name": first_name or f"Bot {bot_id}",
            "username": username or f"bot{bot_id}_bot", "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False}


@dataclass
class World:
    """Everything; ``lenient`` makes unknown chats, messages and files spring into being."""

    lenient: bool = False
    bots: dict[str, BotState] = field(default_factory=dict)
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    chats: dict[int, ChatState] = field(default_factory=dict)
    private: dict[tuple[str, int], ChatState] = field(default_factory=dict)
    files: dict[str, FileRecord] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def bot(self, token: str) -> BotState:
        """The bot of ``token`` (any well-formed token is a bot)."""
        if token not in self.bots:
            self.bots[token] = BotState(token, bot_user(token))
        return self.bots[token]

    def user(self, user_id: int, first_name: str | None = None,
             username: str | None = None, **extra: Any) -> dict[str, Any]:
        """A person (made on first mention)."""
        u = self.users.get(user_id)
        if u is None:
            u = {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}",
                 "language_code": "en"}
            if username:
                u["username"] = username
            self.users[user_id] = u
        u.update({k: v for k, v in extra.items() if v is not None})
        return u

    def private_chat(self, token: str, user_id: int) -> ChatState:
        """The private chat of ``user_id`` with the bot of ``token`` (made on first mention)."""
        key = (token, user_id)
        if key not in self.private:
            u = self.user(user_id)
            info = {"id": user_id, "type": "private", "first_name": u["first_name"]}
            if "username" in u:
                info["username"] = u["username"]
            self.private[key] = ChatState(info, members={token})
        return self.private[key]

    def add_chat(self, chat_id: int, kind: str, title: str, *bots: str,
                 username: str | None = None) -> ChatState:
        """A group, supergroup or channel with ``bots`` in it."""
        info: dict[str, Any] = {"id": chat_id, "type": kind, "title": title}
        if username:
            info["username"] = username
        chat = self.chats.setdefault(chat_id, ChatState(info))
        chat.members.update(bots)
        return chat

    def find_chat(self, token: str, chat_id: Any) -> ChatState:
        """The chat a bot names (an id or ``@username``), as Telegram resolves it."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.info.get("username", "").lower() == chat_id[1:].lower() \
                        and token in chat.members:
                    return chat
            if self.lenient:
                return self.add_chat(SUPERGROUP_BASE - len(self.chats) - 1, "channel",
                                     chat_id[1:], token, username=chat_id[1:])
            raise chat_not_found()
        if not str(chat_id).lstrip("-").isdigit():
            raise chat_not_found()
        cid = int(chat_id)
        if cid > 0:
            chat = self.private.get((token, cid))
            if chat is None and self.lenient:
                chat = self.private_chat(token, cid)
            if chat is None and cid in self.users:
                raise forbidden("bot can't initiate conversation with a user")
            if chat is None:
                raise chat_not_found()
            return chat
        return self._group(token, cid)

    def _group(self, token: str, cid: int) -> ChatState:
        """A group, supergroup or channel of the bot; refused as Telegram refuses an unknown or
        upgraded one."""
        chat = self.chats.get(cid)
        if chat is None and self.lenient:
            kind = "supergroup" if cid < SUPERGROUP_BASE else "group"
            chat = self.add_chat(cid, kind, f"Group {cid}", token)
        if chat is None or token not in chat.members:
            raise chat_not_found()
        if chat.migrated_to is not None:
            raise bad_request("group chat was upgraded to a supergroup chat",
                              migrate_to_chat_id=chat.migrated_to)
        return chat

    def find_message(self, chat: ChatState, message_id: int, *,
                     missing: str = "message to edit not found") -> dict[str, Any]:
        """A message of ``chat``; refused with ``missing`` when there is none."""
        msg = chat.messages.get(message_id)
        if msg is None and self.lenient:
            msg = chat.store({"message_id": message_id, "date": now(), "chat": chat.info,
                              "text": ""})
        if msg is None:
            raise bad_request(missing)
        return msg

    def add_file(self, content: bytes, kind: str = "document", file_name: str | None = None,
                 mime_type: str | None = None, file_id: str | None = None) -> FileRecord:
        """Store a file; its ``file_id`` is usable in later calls."""
        digest = hashlib.sha256(content).hexdigest()[:16]
        file_id = file_id or f"{kind[:2].upper()}{next(self._ids):06d}{digest}"
        record = FileRecord(file_id, f"U{digest}", content, kind, file_name, mime_type)
        self.files[file_id] = record
        return record

    def find_file(self, file_id: str) -> FileRecord:
        """A stored file, or Telegram's refusal of an unknown identifier."""
        record = self.files.get(file_id)
        if record is None and self.lenient:
            record = self.add_file(b"", file_id=file_id)
        if record is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return record

    def new_update_id(self, bot: BotState) -> int:
        """The next update id of a bot."""
        uid = bot.next_update_id
        bot.next_update_id += 1
        return uid
