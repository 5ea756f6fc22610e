"""The people's side of the emulator, for a test or a web page: write to a bot (text, command,
reply, contact, file), press an inline button, post in a channel, block the bot; make groups and
channels, upgrade a group to a supergroup; read any chat's messages."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from shared.emulator.sending import media_object
from shared.emulator.world import SUPERGROUP_BASE, ChatState, now

if TYPE_CHECKING:
    from shared.emulator.world import World

_query_ids = itertools.count(4_000_000_000_000_000_001)


class People:
    """Mixed into ``Emulator``: acting as people and looking at chats."""

    world: World

    if TYPE_CHECKING:
        from threading import RLock

        lock: RLock

        def enqueue(self, token: str, update: dict[str, Any]) -> dict[str, Any] | None: ...
        def emit(self, event_type: str, **data: Any) -> None: ...

    # --- chats ------------------------------------------------------------------------------
    def add_user(self, user_id: int, first_name: str | None = None,
                 username: str | None = None, last_name: str | None = None) -> dict[str, Any]:
        """A person (their private chats with bots start when they write)."""
        with self.lock:
            return dict(self.world.user(user_id, first_name, username, last_name=last_name))

    def create_group(self, chat_id: int, title: str, bots: list[str],
                     members: dict[int, str] | None = None, *, supergroup: bool = False,
                     username: str | None = None) -> int:
        """A group (or supergroup) with ``bots`` and ``members`` (person -> status)."""
        with self.lock:
            chat = self.world.add_chat(chat_id, "supergroup" if supergroup else "group", title,
                                       *bots, username=username)
            chat.statuses.update(members or {})
            return chat.id

    def create_channel(self, chat_id: int, title: str, bots: list[str],
                       members: dict[int, str] | None = None,
                       username: str | None = None) -> int:
        """A channel; its ``bots`` are administrators and get its posts."""
        with self.lock:
            chat = self.world.add_chat(chat_id, "channel", title, *bots, username=username)
            chat.statuses.update(members or {})
            return chat.id

    def migrate_group(self, chat_id: int, new_chat_id: int | None = None) -> int:
        """Upgrade a group to a supergroup, as Telegram does: the old id refuses every call
        with ``migrate_to_chat_id``, the bots get the two service messages."""
        with self.lock:
            old = self.world.chats[chat_id]
            new_id = new_chat_id or SUPERGROUP_BASE - abs(chat_id)
            new = self.world.add_chat(new_id, "supergroup", old.info.get("title", ""),
                                      *old.members)
            new.statuses.update(old.statuses)
            old.migrated_to = new_id
            owner = next((u for u, s in old.statuses.items() if s == "creator"), None)
            sender = self.world.user(owner) if owner is not None else None
            first = self._store(old, sender, {"migrate_to_chat_id": new_id})
            second = self._store(new, None, {"migrate_from_chat_id": chat_id,
                                              "sender_chat": dict(new.info)})
        for token in sorted(old.members):
            self.enqueue(token, {"message": first})
            self.enqueue(token, {"message": second})
        return new_id

    def block(self, token: str, user_id: int, blocked: bool = True) -> None:
        """The person blocks (or unblocks) the bot: sends answer 403 from now on."""
        with self.lock:
            chat = self.world.private_chat(token, user_id)
            chat.blocked = blocked
            bot = self.world.bot(token)
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            update = {"my_chat_member": {
                "chat": dict(chat.info), "from": dict(self.world.user(user_id)), "date": now(),
                "old_chat_member": {"status": old, "user": dict(bot.user)},
                "new_chat_member": {"status": new, "user": dict(bot.user),
                                    **({"until_date": 0} if blocked else {})}}}
        self.enqueue(token, update)

    # --- writing ----------------------------------------------------------------------------
    def _chat(self, token: str, user_id: int, chat_id: int | None) -> ChatState:
        """The chat a person writes in: their private chat with the bot, or a group."""
        if chat_id is None or chat_id == user_id:
            return self.world.private_chat(token, user_id)
        return self.world.find_chat(token, chat_id)

    def _store(self, chat: ChatState, user: dict[str, Any] | None,
               content: dict[str, Any]) -> dict[str, Any]:
        """Store a message of ``user`` (None: a service or channel message) in ``chat``."""
        msg: dict[str, Any] = {"message_id": chat.new_message_id(), "date": now(),
                               "chat": dict(chat.info)}
        if user is not None:
            msg["from"] = dict(user)
        msg.update(content)
        chat.store(msg)
        self.emit("message", bot=None, chat_id=chat.id, message=msg)
        return msg

    def send(self, token: str, user_id: int, content: dict[str, Any], *,
             chat_id: int | None = None, reply_to: int | None = None) -> dict[str, Any]:
        """A message of the person in a chat with the bot; every bot of the chat gets it."""
        with self.lock:
            chat = self._chat(token, user_id, chat_id)
            if chat.type == "private" and chat.blocked:
                chat.blocked = False  # writing to a blocked bot unblocks it (after /start)
            if reply_to is not None:
                replied = self.world.find_message(chat, reply_to, missing="no such message")
                content = {**content, "reply_to_message": replied}
            msg = self._store(chat, self.world.user(user_id), content)
            tokens = sorted(chat.members) if chat.type != "private" else [token]
        for t in tokens:
            self.enqueue(t, {"message": msg})
        return msg

    def send_text(self, token: str, user_id: int, text: str, *, chat_id: int | None = None,
                  reply_to: int | None = None) -> dict[str, Any]:
        """Text or a command (``/start``: it gets its bot_command entity)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return self.send(token, user_id, content, chat_id=chat_id, reply_to=reply_to)

    def share_contact(self, token: str, user_id: int, phone_number: str,
                      first_name: str | None = None) -> dict[str, Any]:
        """The person shares their own contact (the reply keyboard's request_contact)."""
        name = first_name or self.world.user(user_id)["first_name"]
        return self.send(token, user_id, {"contact": {
            "phone_number": phone_number, "first_name": name, "user_id": user_id}})

    def send_file(self, token: str, user_id: int, content: bytes, *, kind: str = "document",
                  file_name: str | None = None, mime_type: str | None = None,
                  caption: str | None = None, chat_id: int | None = None,
                  reply_to: int | None = None) -> dict[str, Any]:
        """A photo, document, voice, video...: stored, so its file_id works in later calls."""
        with self.lock:
            record = self.world.add_file(content, kind, file_name, mime_type)
            media = media_object(self, kind, record.file_id)  # type: ignore[arg-type]
        body: dict[str, Any] = {kind: media}
        if caption:
            body["caption"] = caption
        return self.send(token, user_id, body, chat_id=chat_id, reply_to=reply_to)

    def post_in_channel(self, chat_id: int, text: str) -> dict[str, Any]:
        """A post in a channel (by its admins): each bot of the channel gets a channel_post."""
        with self.lock:
            chat = self.world.chats[chat_id]
            msg = self._store(chat, None, {"text": text, "sender_chat": dict(chat.info)})
            tokens = sorted(chat.members)
        for token in tokens:
            self.enqueue(token, {"channel_post": msg})
        return msg

    def press(self, token: str, user_id: int, message_id: int, data: str | None = None, *,
              text: str | None = None, chat_id: int | None = None) -> str:
        """Press the inline button (by callback data or label) of a bot's message; the
        callback query's id (``callback_answer(id)`` shows what the bot answered)."""
        with self.lock:
            chat = self._chat(token, user_id, chat_id)
            msg = self.world.find_message(chat, message_id, missing="no such message")
            button = _button(msg, data, text)
            qid = str(next(_query_ids))
            query = {"id": qid, "from": dict(self.world.user(user_id)), "message": msg,
                     "chat_instance": str(abs(hash((token, chat.id))) % 10**18),
                     "data": button["callback_data"]}
            self.world.bot(token).callback_queries[qid] = dict(query)
        self.enqueue(token, {"callback_query": query})
        return qid

    # --- updates made elsewhere ---------------------------------------------------------------
    def observe(self, token: str, update: dict[str, Any]) -> None:
        """Learn from an update built outside the emulator (a test posting straight to a
        bot): its person, chat, message and files now exist, its callback query is open."""
        with self.lock:
            query = update.get("callback_query")
            if query is not None:
                self.world.bot(token).callback_queries.setdefault(str(query["id"]), dict(query))
                self._learn_user(query.get("from"))
                if isinstance(query.get("message"), dict):
                    self._learn_chat(token, query["message"]["chat"], query.get("from"))
                return
            for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
                if isinstance(update.get(kind), dict):
                    self._learn_message(token, update[kind])

    def _learn_user(self, user: dict[str, Any] | None) -> None:
        """Remember a person named in an update."""
        if user and not user.get("is_bot"):
            known = self.world.user(int(user["id"]), user.get("first_name"),
                                    user.get("username"))
            known.update(user)

    def _learn_chat(self, token: str, info: dict[str, Any],
                    sender: dict[str, Any] | None) -> ChatState:
        """Remember a chat named in an update, with the bot in it."""
        cid = int(info["id"])
        if cid > 0:
            self._learn_user(sender)
            return self.world.private_chat(token, cid)
        return self.world.add_chat(cid, str(info.get("type", "supergroup")),
                                   str(info.get("title", "")), token,
                                   username=info.get("username"))

    def _learn_message(self, token: str, msg: dict[str, Any]) -> None:
        """Remember a message of an update (unless its id is taken) and its files."""
        self._learn_user(msg.get("from"))
        chat = self._learn_chat(token, msg["chat"], msg.get("from"))
        if "message_id" in msg and int(msg["message_id"]) not in chat.messages:
            chat.store(dict(msg))
        for value in msg.values():
            for media in value if isinstance(value, list) else [value]:
                if isinstance(media, dict) and "file_id" in media and \
                        media["file_id"] not in self.world.files:
                    self.world.add_file(b"", file_id=str(media["file_id"]))

    # --- looking ----------------------------------------------------------------------------
    def callback_answer(self, token: str, query_id: str) -> dict[str, Any] | None:
        """What the bot answered to a press (text, show_alert, url), None before it did."""
        with self.lock:
            return self.world.bot(token).callback_queries.get(query_id, {}).get("answer")

    def messages(self, token: str, chat_id: int) -> list[dict[str, Any]]:
        """The messages of a chat as the bot's people see it, oldest first."""
        with self.lock:
            chat = self._chat(token, chat_id, chat_id) if chat_id > 0 else \
                self.world.chats[chat_id]
            return [chat.messages[k] for k in sorted(chat.messages)]

    def chats(self, token: str) -> list[dict[str, Any]]:
        """Every chat the bot is in (private chats included)."""
        with self.lock:
            private = [c.info for (t, _), c in self.world.private.items() if t == token]
            groups = [c.info for c in self.world.chats.values() if token in c.members]
            return [dict(c) for c in private + groups]

    def keyboard(self, token: str, user_id: int) -> dict[str, Any] | None:
        """The reply keyboard the bot last showed the person in their private chat."""
        with self.lock:
            return self.world.private_chat(token, user_id).keyboards.get(token)


def _button(msg: dict[str, Any], data: str | None, text: str | None) -> dict[str, Any]:
    """The inline button of ``msg`` with that callback data (or label)."""
    for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if "callback_data" in button and (button["callback_data"] == data or
                                              (text is not None and button["text"] == text)):
                return button
    raise LookupError(f"no button {data or text!r} on message {msg.get('message_id')}")
