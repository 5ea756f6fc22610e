"""The emulator: one Telegram for any number of bots, checked against the Bot API description.

``await emu.call(token, method, params)`` is one Bot API call (the HTTP app in ``http.py``
serves it at ``/bot<token>/<method>``); the person's side is in ``people.py``; every change is
an event for ``subscribe()``/``add_listener()``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from shared.emulator import admin, editing, sending
from shared.emulator.delivery import Delivery
from shared.emulator.errors import ApiError
from shared.emulator.pacing import Pacer, Pacing
from shared.emulator.people import People
from shared.emulator.spec import Upload, check_call
from shared.emulator.world import BotState, ChatState, World

log = logging.getLogger(__name__)
Handler = Callable[[Any, BotState, dict[str, Any]], Any]
_HANDLERS: dict[str, Handler] = {
    "getMe": lambda emu, bot, p: dict(bot.user),
    "logOut": lambda emu, bot, p: True, "close": lambda emu, bot, p: True,
    "setWebhook": admin.set_webhook, "deleteWebhook": admin.delete_webhook,
    "getWebhookInfo": admin.webhook_info,
    "setMyCommands": admin.set_commands, "deleteMyCommands": admin.delete_commands,
    "getMyCommands": admin.get_commands,
    "setChatMenuButton": admin.set_menu_button, "getChatMenuButton": admin.get_menu_button,
    "getChat": admin.get_chat, "getChatMember": admin.get_chat_member,
    "getChatAdministrators": admin.get_chat_administrators,
    "getChatMemberCount": admin.get_chat_member_count, "getFile": admin.get_file,
    "sendMessage": sending.send_message, "sendMediaGroup": sending.send_media_group,
    "copyMessage": sending.copy_message, "forwardMessage": sending.forward_message,
    "copyMessages": sending.copy_messages,
    "forwardMessages": partial(sending.copy_messages, forward=True),
    "sendChatAction": sending.send_chat_action,
    "editMessageText": editing.edit_text, "editMessageCaption": editing.edit_caption,
    "editMessageReplyMarkup": editing.edit_markup,
    "deleteMessage": editing.delete_message, "deleteMessages": editing.delete_messages,
    "answerCallbackQuery": editing.answer_callback_query,
    **{m: partial(sending.send_media, method=m) for m in sending.MEDIA},
}


@dataclass
class Call:
    """One Bot API call as the emulator saw it (``error``: the refusal's description)."""

    token: str
    method: str
    params: dict[str, Any]
    at: float
    result: Any = None
    error: str | None = None
    recorded: bool = field(default=False, repr=False, compare=False)


@dataclass
class Violation:
    """A call that did not follow the Bot API description."""

    token: str
    method: str
    kind: str  # "ignored parameter" (logged) or "refused" (400: missing, wrong type)
    detail: str


class Emulator(People):
    """Telegram for bots. ``lenient``: chats, messages and files the emulator never saw are
    taken as existing (for tests that make up updates); ``pacing``: flood limits (off);
    ``max_poll_timeout``: the longest a getUpdates waits (a test's server stops sooner)."""

    def __init__(self, *, lenient: bool = False, pacing: Pacing | None = None,
                 webhook_retry_base: float = 0.5, max_poll_timeout: float | None = None) -> None:
        self.lock = threading.RLock()
        self.world = World(lenient=lenient)
        self.pacer = Pacer(pacing or Pacing.off())
        self.delivery = Delivery(self, retry_base=webhook_retry_base,
                                 max_poll_timeout=max_poll_timeout)
        self.calls: list[Call] = []
        self.violations: list[Violation] = []
        self.uploads: list[tuple[str, str, str | None, bytes]] = []
        self.member_overrides: dict[int | str, dict[str, Any]] = {}
        self._listeners: list[Callable[[dict[str, Any]], None]] = []

    # --- configuration ------------------------------------------------------------------
    def set_pacing(self, pacing: Pacing | None) -> None:
        """Switch Telegram's flood limits on (``Pacing()``), off (None) or tune them."""
        self.pacer.configure(pacing or Pacing.off())

    def add_bot(self, token: str, username: str | None = None,
                first_name: str | None = None) -> BotState:
        """Name a bot (any token is a bot anyway; this sets its getMe)."""
        with self.lock:
            bot = self.world.bot(token)
            bot.user.update({k: v for k, v in (("username", username),
                                               ("first_name", first_name)) if v})
            return bot

    def bot(self, token: str) -> BotState:
        """The state of the bot of ``token``."""
        with self.lock:
            return self.world.bot(token)

    # --- the Bot API ------------------------------------------------------------------------
    async def call(self, token: str, method: str, params: dict[str, Any],
                   files: dict[str, Upload] | None = None) -> tuple[int, dict]:
        """One call: (HTTP status, Telegram's JSON answer). ``files``: the multipart parts
        that ``attach://<name>`` values name."""
        self.delivery.bind()
        call = Call(token, method, {k: _shown(v) for k, v in params.items()}, time.time())
        refusal: ApiError | None = None
        try:
            refusal = await self.intercept(call)
            if refusal is not None:
                raise refusal
            result = await self._call(call, params, files or {})
        except ApiError as exc:
            if refusal is None:
                call.error = exc.description
            self.record(call)
            return exc.code, exc.body()
        call.result = result
        self.record(call)
        self.emit("call", bot=token, method=method, params=call.params, result=result)
        return 200, {"ok": True, "result": result}

    async def intercept(self, call: Call) -> ApiError | None:
        """A hook before each call (tests script answers with it): a refusal to answer
        instead, or None to go on."""
        return None

    def record(self, call: Call) -> None:
        """Add ``call`` to ``calls`` once (when answered, or earlier by ``intercept``)."""
        with self.lock:
            if not call.recorded:
                call.recorded = True
                self.calls.append(call)

    async def _call(self, call: Call, raw: dict[str, Any], files: dict[str, Upload]) -> Any:
        """Check the call against the description, pace it, run it."""
        try:
            checked = check_call(call.method, raw)
        except ApiError as exc:
            if exc.code == 400:
                self._violation(call, "refused", exc.description)
            raise
        for name in checked.ignored:
            log.warning("Bot API parameter Telegram ignores: %s", name)
            self._violation(call, "ignored parameter", name)
        params = _attach(checked.params, files)
        with self.lock:
            bot = self.world.bot(call.token)
        if call.method == "getUpdates":
            self.record(call)  # a long poll is seen when it starts
            return await self.delivery.get_updates(bot, params)
        handler = _HANDLERS.get(call.method)
        if handler is None:
            return True  # a method the bots do not use: accepted, changes nothing
        with self.lock:
            self._pace(bot, call.method, params)
            return handler(self, bot, params)

    def _pace(self, bot: BotState, method: str, params: dict[str, Any]) -> None:
        """429 when the call is over one of Telegram's limits (when pacing is on)."""
        if not self.pacer.pacing.enabled or "chat_id" not in params:
            return
        try:
            chat: ChatState | None = self.world.find_chat(bot.token, params["chat_id"])
        except ApiError:
            chat = None  # the method itself will refuse it
        private = chat is not None and chat.type == "private"
        self.pacer.admit(bot.token, method, chat.id if chat else None, private)

    def _violation(self, call: Call, kind: str, detail: str) -> None:
        """Record a call that did not follow the description."""
        with self.lock:
            self.violations.append(Violation(call.token, call.method, kind, detail))

    def add_upload(self, method: str, field: str, filename: str | None, content: bytes) -> None:
        """Note a file a bot uploaded (multipart)."""
        with self.lock:
            self.uploads.append((method, field, filename, content))

    # --- updates and events -----------------------------------------------------------------
    def enqueue(self, token: str, update: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update for a bot (numbered here) unless its allowed_updates exclude it."""
        with self.lock:
            bot = self.world.bot(token)
            kind = next(k for k in update if k != "update_id")
            allowed = bot.allowed_updates
            if allowed and kind not in allowed:
                return None
            if not allowed and kind in ("chat_member", "message_reaction",
                                        "message_reaction_count"):
                return None
            update = {"update_id": self.world.new_update_id(bot), **update}
            bot.pending_updates.append(update)
        self.emit("update", bot=token, update=update)
        self.wake(token)
        return update

    def wake(self, token: str) -> None:
        """Tell the delivery of ``token`` that something changed."""
        self.delivery.wake(token)

    def remember_keyboard(self, bot: BotState, chat: ChatState, markup: Any) -> None:
        """The reply keyboard a person now sees in ``chat`` (for a page to draw)."""
        if isinstance(markup, dict) and "keyboard" in markup:
            chat.keyboards[bot.token] = markup
        elif isinstance(markup, dict) and markup.get("remove_keyboard"):
            chat.keyboards.pop(bot.token, None)

    def emit(self, event_type: str, **data: Any) -> None:
        """Tell every listener: ``{"type": event_type, ...}``."""
        event = {"type": event_type, **data}
        for listener in list(self._listeners):
            listener(event)

    def add_listener(self, listener: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``listener(event)`` on every event (from the thread that caused it); returns
        the function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        """Every event from now on, on the caller's loop (``async for event in ...``)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def forward(event: dict[str, Any]) -> None:
            """Hand an event to the subscriber's loop (unless it is gone)."""
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, event)

        remove = self.add_listener(forward)
        try:
            while True:
                yield await queue.get()
        finally:
            remove()

    async def start(self) -> None:
        """Bind the delivery to the running loop (else the first Bot API call does) and
        deliver what is pending: for a page that acts as people before any bot called."""
        self.delivery.bind()
        for token in list(self.world.bots):
            self.wake(token)

    async def aclose(self) -> None:
        """Stop webhook deliveries."""
        await self.delivery.close()


def with_files(emu: Emulator, method: str, params: dict[str, Any],
               files: dict[str, Upload]) -> dict[str, Any]:
    """``params`` with each uploaded part that no ``attach://`` names as a parameter (noted
    as the bot's upload)."""
    named = " ".join(v for v in params.values() if isinstance(v, str))
    for key, upload in files.items():
        emu.add_upload(method, key, upload.filename, upload.content)
        if f"attach://{key}" not in named:  # a part named by a media item is not a parameter
            params.setdefault(key, upload)
    return params

def _attach(value: Any, files: dict[str, Upload]) -> Any:
    """``value`` with every ``attach://<name>`` replaced by that uploaded file."""
    if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
        return files[value[9:]]
    if isinstance(value, dict):
        return {k: _attach(v, files) for k, v in value.items()}
    if isinstance(value, list):
        return [_attach(v, files) for v in value]
    return value


def _shown(value: Any) -> Any:
    """A parameter as a call record shows it: JSON-encoded values decoded, files as
    ``"<file>"``."""
    if isinstance(value, Upload):
        return "<file>"
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
