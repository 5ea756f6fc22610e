"""A fake Telegram Bot API, served over real HTTP, that answers like Telegram does.

It serves ``/bot{token}/{method}`` (form, JSON or multipart bodies, as PTB sends them), keeps the
webhook and the command menus each bot registered, records every call, and can be scripted per
method: delay the answer, answer 429 with ``retry_after``, 403 for a blocked user, or any error.
``member_overrides`` sets what getChatMember answers for one chat (a status, missing rights).
Run it in a thread of the test process (``FakeTelegram().start()``) or as a process
(``python -m tests.fakes.telegram_api --port N``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.server import ThreadedServer, free_port

_HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
              "tg-spoiler", "span", "blockquote", "tg-emoji"}


def visible_text(raw: str, parse_mode: str | None) -> tuple[str, str | None]:
    """The text Telegram would show, and why it cannot parse it (None when it can): for HTML,
    only Telegram's tags, properly nested; entities decoded. Lengths are UTF-16 units."""
    if (parse_mode or "").upper() != "HTML":
        return raw, None
    stack: list[str] = []
    for m in re.finditer(r"<(/?)([a-zA-Z-]+)[^>]*>|<", raw):
        if m.group(2) is None:
            return "", (f"can't parse entities: Unsupported start tag at byte offset "
                        f"{len(raw[:m.start()].encode())}")
        closing, tag = m.group(1) == "/", m.group(2).lower()
        if tag not in _HTML_TAGS:
            return "", (f"can't parse entities: Unsupported start tag \"{tag}\" at byte offset "
                        f"{len(raw[:m.start()].encode())}")
        if not closing:
            stack.append(tag)
        elif not stack or stack.pop() != tag:
            return "", (f"can't parse entities: Can't find end tag corresponding to start tag "
                        f"\"{tag}\"")
    if stack:
        return "", (f"can't parse entities: Can't find end tag corresponding to start tag "
                    f"\"{stack[-1]}\"")
    return html.unescape(re.sub(r"<[^>]*>", "", raw)), None


def validate_message(method: str, params: dict[str, Any]) -> str | None:
    """What Telegram would refuse in a send or edit: unparsable markup, too long texts."""
    if not method.startswith(("send", "edit")):
        return None
    for key, limit, too_long in (("text", 4096, "message is too long"),
                                   ("caption", 1024, "message caption is too long")):
        value = params.get(key)
        if not isinstance(value, str):
            continue
        shown, problem = visible_text(value, params.get("parse_mode"))
        if problem is not None:
            return problem
        if key == "text" and not shown.strip():
            return "message text is empty"
        if len(shown.encode("utf-16-le")) // 2 > limit:
            return too_long
    return None


@dataclass
class Call:
    token: str
    method: str
    params: dict[str, Any]
    at: float
    result: Any = None
    error: str | None = None  # the refusal, when the fake refused it as Telegram would


@dataclass
class Action:
    """What to do with the next call of a method: wait, then answer an error or normally."""

    delay: float = 0.0
    error_code: int | None = None
    description: str = ""
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None


@dataclass
class BotState:
    webhook_url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    commands: dict[str, list[dict]] = field(default_factory=dict)
    pending_updates: list[dict] = field(default_factory=list)
    next_message_id: int = 1
    # set by a test: getWebhookInfo then reports a failed delivery, as Telegram does
    last_error_message: str | None = None




def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


class FakeTelegram(ThreadedServer):
    """The fake server and what it saw."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.calls: list[Call] = []
        self.bots: dict[str, BotState] = {}
        self.scripts: dict[str, list[Action]] = {}
        self.blocked_chats: set[int] = set()
        # getChatMember answers per chat (by chat_id as sent: an int, or "@name" for a channel);
        # the fields are merged over the default answer, an administrator with every right
        self.member_overrides: dict[int | str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.app = Starlette(routes=[
            Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
        ])
        # file_id -> content, served by getFile and /file/bot{token}/{file_path}
        self.files: dict[str, bytes] = {}
        # files uploaded by the bots (multipart): (method, field, filename, content)
        self.uploads: list[tuple[str, str, str | None, bytes]] = []
        # methods a blocked chat answers 403 to (by prefix), as Telegram does
        self.blocked_methods: tuple[str, ...] = ("send", "copyMessage", "forwardMessage")
        # rate enforcement, off unless a test calls enforce_rate()
        self.rate_per_second: int | None = None
        self.rate_methods: tuple[str, ...] = ()
        self.rate_refusals = 0
        self._rate_window: collections.deque[float] = collections.deque()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- scripting and inspection -----------------------------------------------------------
    def script(self, method: str, *actions: Action) -> None:
        """Apply ``actions`` to the next calls of ``method``, one each."""
        with self._lock:
            self.scripts.setdefault(method, []).extend(actions)

    def enforce_rate(self, per_second: int = 30,
                     methods: tuple[str, ...] = ("send", "copyMessage", "forwardMessage")) -> None:
        """Answer 429 (retry_after 1) to calls of ``methods`` (by prefix) beyond ``per_second``
        within any 1-second window, as Telegram does to a bot that floods; ``rate_refusals``
        counts the refused calls (they do not count towards the window)."""
        with self._lock:
            self.rate_per_second = per_second
            self.rate_methods = methods
            self._rate_window.clear()

    def _over_rate(self, method: str) -> bool:
        """True (and counted) when this call exceeds the enforced rate."""
        if self.rate_per_second is None or not method.startswith(self.rate_methods):
            return False
        now = time.monotonic()
        with self._lock:
            window = self._rate_window
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self.rate_per_second:
                self.rate_refusals += 1
                return True
            window.append(now)
            return False

    def calls_of(self, method: str, token: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls
                    if c.method == method and (token is None or c.token == token)]

    def sent_texts(self, chat_id: int | None = None, token: str | None = None) -> list[str]:
        return [str(c.params.get("text")) for c in self.calls_of("sendMessage", token)
                if chat_id is None or int(c.params.get("chat_id", 0)) == chat_id]

    def bot(self, token: str) -> BotState:
        with self._lock:
            return self.bots.setdefault(token, BotState())

    def wait_for(self, predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> Any:
        """Poll ``predicate()`` until it returns something truthy; raise on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s")

    # --- HTTP -------------------------------------------------------------------------------
    async def _params(self, request: Request) -> dict[str, Any]:
        ctype = request.headers.get("content-type", "")
        if "application/json" in ctype:
            body = await request.body()
            return json.loads(body) if body else {}
        if "form" in ctype:
            form = await request.form()
            method = request.path_params.get("method", "")
            for k, v in form.items():
                if not isinstance(v, str):
                    content = await v.read()
                    with self._lock:
                        self.uploads.append((method, k, v.filename, content))
            return {k: _decode(v) if isinstance(v, str) else "<file>" for k, v in form.items()}
        return {k: _decode(v) for k, v in request.query_params.items()}

    async def _handle(self, request: Request) -> JSONResponse:
        token = request.path_params["token"]
        method = request.path_params["method"]
        params = await self._params(request)
        call = Call(token, method, params, time.time())
        with self._lock:
            self.calls.append(call)
            queue = self.scripts.get(method)
            action = queue.pop(0) if queue else None
        if action is not None:
            if action.delay:
                await asyncio.sleep(action.delay)
            if action.error_code is not None:
                body: dict[str, Any] = {"ok": False, "error_code": action.error_code,
                                        "description": action.description or "Error"}
                if action.retry_after is not None:
                    body["parameters"] = {"retry_after": action.retry_after}
                    body["description"] = action.description or (
                        f"Too Many Requests: retry after {action.retry_after}")
                if action.migrate_to_chat_id is not None:
                    body["parameters"] = {"migrate_to_chat_id": action.migrate_to_chat_id}
                return JSONResponse(body, status_code=action.error_code)
        if self._over_rate(method):
            return JSONResponse({"ok": False, "error_code": 429,
                                 "description": "Too Many Requests: retry after 1",
                                 "parameters": {"retry_after": 1}}, status_code=429)
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.blocked_chats and \
                method.startswith(self.blocked_methods):
            return JSONResponse({"ok": False, "error_code": 403,
                                 "description": "Forbidden: bot was blocked by the user"},
                                status_code=403)
        if method == "getUpdates":
            return await self._get_updates(token, params)
        refusal = validate_message(method, params)
        if refusal is not None:
            call.error = refusal
            return JSONResponse({"ok": False, "error_code": 400,
                                 "description": f"Bad Request: {refusal}"}, status_code=400)
        result = self._result(token, method, params)
        call.result = result
        return JSONResponse({"ok": True, "result": result})

    async def _get_updates(self, token: str, params: dict[str, Any]) -> JSONResponse:
        state = self.bot(token)
        if state.webhook_url:
            return JSONResponse({"ok": False, "error_code": 409, "description":
                                 "Conflict: can't use getUpdates method while webhook is active; "
                                 "use deleteWebhook to delete the webhook first"}, status_code=409)
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self._lock:
                state.pending_updates = [u for u in state.pending_updates
                                         if u["update_id"] >= offset]
                ready = list(state.pending_updates)
            if ready or time.monotonic() >= deadline:
                return JSONResponse({"ok": True, "result": ready})
            await asyncio.sleep(0.05)

    async def _download(self, request: Request) -> Response:
        file_id = request.path_params["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            return Response(status_code=404)
        return Response(self.files[file_id], media_type="application/octet-stream")

    def _bot_user(self, token: str) -> dict[str, Any]:
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        return {"id": bot_id, "is_bot": True, "first_name": f"Bot {bot_id}",
                "username": f"bot{bot_id}_bot", "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _result(self, token: str, method: str, params: dict[str, Any]) -> Any:
        state = self.bot(token)
        if method == "getMe":
            return self._bot_user(token)
        if method == "setWebhook":
            with self._lock:
                state.webhook_url = str(params.get("url", ""))
                state.secret_token = params.get("secret_token")
                state.allowed_updates = params.get("allowed_updates")
            return True
        if method == "deleteWebhook":
            with self._lock:
                state.webhook_url = ""
            return True
        if method == "getWebhookInfo":
            info: dict[str, Any] = {"url": state.webhook_url, "has_custom_certificate": False,
                                    "pending_update_count": 0}
            if state.last_error_message:
                info["last_error_date"] = int(time.time())
                info["last_error_message"] = state.last_error_message
            return info
        if method == "setMyCommands":
            scope = params.get("scope") or {"type": "default"}
            key = json.dumps(scope, sort_keys=True)
            with self._lock:
                state.commands[key] = params.get("commands") or []
            return True
        if method.startswith(("send", "copyMessage", "forwardMessage", "edit")):
            chat_id = int(params.get("chat_id", 0) or 0)
            if method.startswith("edit") and params.get("message_id") is not None:
                message_id = int(params["message_id"])  # an edit keeps the message's id
            else:
                with self._lock:
                    message_id = state.next_message_id
                    state.next_message_id += 1
            message: dict[str, Any] = {
                "message_id": message_id, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": self._bot_user(token),
            }
            if "text" in params:
                message["text"] = params["text"]
            if "caption" in params:
                message["caption"] = params["caption"]
            markup = params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                message["reply_markup"] = markup  # Telegram echoes inline keyboards only
            for kind in ("photo", "video", "animation", "document"):
                if kind in params and isinstance(params[kind], str):
                    media = {"file_id": params[kind], "file_unique_id": f"u{params[kind]}"}
                    if kind == "photo":
                        message["photo"] = [{**media, "width": 800, "height": 600}]
                    elif kind == "document":
                        message["document"] = media
                    else:
                        message[kind] = {**media, "width": 640, "height": 360, "duration": 5}
            if method == "copyMessage":
                return {"message_id": message_id}
            return message
        if method == "getFile":
            file_id = str(params.get("file_id"))
            data = self.files.get(file_id, b"")
            return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                    "file_size": len(data), "file_path": f"documents/{file_id}"}
        if method == "getChat":
            chat_id = int(params.get("chat_id", 0) or 0)
            return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup",
                    "title": None if chat_id > 0 else f"Group {chat_id}",
                    "accent_color_id": 0, "max_reaction_count": 11}
        if method == "getChatMember":
            return self._chat_member(token, params)
        return True

    def _chat_member(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        """The default member (an administrator with every right), or the chat's override."""
        raw = params.get("chat_id")
        key: int | str = int(raw) if str(raw).lstrip("-").isdigit() else str(raw)
        with self._lock:
            override = self.member_overrides.get(key)
        if override is not None and override.get("status", "administrator") != "administrator":
            return {"user": self._bot_user(token), **override}
        return {**self._default_member(token), **(override or {})}

    def _default_member(self, token: str) -> dict[str, Any]:
        return {"status": "administrator", "user": self._bot_user(token),
                "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                "can_delete_messages": True, "can_manage_video_chats": True,
                "can_restrict_members": True, "can_promote_members": False,
                "can_change_info": True, "can_invite_users": True, "can_post_messages": True,
                "can_edit_messages": True, "can_post_stories": False,
                "can_edit_stories": False, "can_delete_stories": False}

    # --- statistics, for a benchmark driving the fake as a process ---------------------------
    def stats(self) -> dict[str, Any]:
        """Successful calls per method (count, first and last arrival, arrivals per second of
        the rate-limited methods), the calls refused with 429 by ``enforce_rate``."""
        with self._lock:
            calls = [c for c in self.calls if c.result is not None]
            refusals = self.rate_refusals
        methods: dict[str, dict[str, Any]] = {}
        for c in calls:
            m = methods.setdefault(c.method, {"count": 0, "first": c.at, "last": c.at,
                                              "per_second": {}})
            m["count"] += 1
            m["first"] = min(m["first"], c.at)
            m["last"] = max(m["last"], c.at)
            if c.method.startswith(self.rate_methods or ("send", "copyMessage",
                                                         "forwardMessage")):
                sec = str(int(c.at))
                m["per_second"][sec] = m["per_second"].get(sec, 0) + 1
        return {"methods": methods, "rate_refusals": refusals,
                "rate_per_second": self.rate_per_second, "calls": len(self.calls)}

    async def _stats(self, request: Request) -> JSONResponse:
        return JSONResponse(self.stats())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--rate", type=int, default=None,
                        help="answer 429 above this many messages in any 1-second window")
    parser.add_argument("--stats", action="store_true",
                        help="serve GET /_stats: successful calls per method, 429 refusals")
    args = parser.parse_args()
    fake = FakeTelegram(args.port)
    if args.rate is not None:
        fake.enforce_rate(per_second=args.rate)
    if args.stats:
        fake.app.router.routes.append(Route("/_stats", fake._stats, methods=["GET"]))
    uvicorn.run(fake.app, host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
