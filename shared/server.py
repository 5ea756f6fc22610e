"""The ASGI application: Telegram webhooks, health and readiness, and the platform's lifespan.

The hot routes (``POST /webhook/{bot}``, ``/health``, ``/ready``, and the bots' own plain-ASGI
routes such as the click redirect ``GET /r/{code}``: ``BotPackage.hot_routes``) are answered
here directly.
Every other path goes to the FastAPI application (``shared.api``: admin endpoints, OpenAPI docs),
which is imported and built on its first request: FastAPI costs ~7 MB and ~150 ms of start-up
that a bot which only receives webhooks never needs (Render's free plan has 512 MB, and a cold
start is when Telegram is waiting).
"""

from __future__ import annotations

import contextlib
import gc
import hmac
import logging
import time
from email.utils import formatdate
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.config import Settings
from shared.errors import StorageUnavailable
from shared.intake import chat_key_of
from shared.platform import Mode, Platform

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # 1 MB; Telegram's updates are a few KB

_OK_BODY = b'{"ok":true}'

_JSON_HEADERS = [(b"content-type", b"application/json")]
_WEBHOOK_PREFIX = "/webhook/"


_date = [0, b""]  # (second, its HTTP date): one formatting a second at most


def http_date() -> bytes:
    """The ``Date`` header's value now (uvicorn's own would need it to wake every second)."""
    now = int(time.time())
    if now != _date[0]:
        _date[0], _date[1] = now, formatdate(now, usegmt=True).encode()
    return _date[1]  # type: ignore[return-value]


def _dated(send: Send) -> Send:
    """``send`` that adds the ``Date`` header to the start of every response."""
    async def dated(message: Any) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), (b"date", http_date())]
        await send(message)
    return dated


async def _respond(send: Send, status: int, body: bytes, head: bool = False) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": b"" if head else body})


def _error_body(message: str) -> bytes:
    return orjson.dumps({"ok": False, "error": message})


async def telegram_webhook(platform: Platform, bot: str, scope: Scope, receive: Receive,
                           send: Send) -> None:
    """Store one update durably and acknowledge it; the inbox worker handles it.

    A plain ASGI handler (``POST /webhook/{bot}``), not a FastAPI route: this is the hot path,
    and FastAPI's routing, dependency and middleware layers cost more than the rest of it.
    """
    secret = platform.secrets.get(bot)
    if secret is None:
        return await _respond(send, 404, _error_body("no such bot"))
    given = b""
    declared = None
    for name, value in scope["headers"]:
        if name == b"x-telegram-bot-api-secret-token":
            given = value
        elif name == b"content-length":
            declared = value
    if not hmac.compare_digest(given, secret.encode()):
        return await _respond(send, 401, _error_body("wrong secret token"))
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return await _respond(send, 400, _error_body("body too large"))
    body = b""
    chunks: list[bytes] | None = None
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away: nothing was stored, nothing to answer
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > MAX_BODY:
                return await _respond(send, 400, _error_body("body too large"))
            if not body and chunks is None:
                body = chunk
            else:
                if chunks is None:
                    chunks = [body]
                chunks.append(chunk)
        if not message.get("more_body", False):
            break
    if chunks is not None:
        body = b"".join(chunks)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return await _respond(send, 400, _error_body("malformed JSON"))
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if type(update_id) is not int or update_id < 0:
        return await _respond(send, 400, _error_body("not a Telegram update"))
    try:
        payload = body.decode()
    except UnicodeDecodeError:
        return await _respond(send, 400, _error_body("malformed JSON"))
    try:
        # returns only once the row is committed: Telegram's retry is the only other copy
        await platform.intake.put(bot, update_id, chat_key_of(data), payload)
    except StorageUnavailable:
        # Telegram retries non-2xx answers: the update is not lost
        log.error("webhook: storage unavailable", extra={"bot": bot, "update_id": update_id})
        return await _respond(send, 503, _error_body("storage unavailable, retry later"))
    await _respond(send, 200, _OK_BODY)


async def health_body(platform: Platform) -> dict[str, Any]:
    """Liveness and a summary for uptime pingers; never writes, never shows a secret."""
    return await platform.health()


def readiness(platform: Platform) -> bool:
    """True once the storage is up and every configured bot is registered."""
    return platform.ready and all(r.state == "ready" for r in platform.runtimes.values())


class Service:
    """The ASGI application of the process."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._api: ASGIApp | None = None
        # (path prefix, app) answered before the FastAPI application: the sandbox's page
        self.mounts: list[tuple[str, ASGIApp]] = []

    @property
    def api(self) -> ASGIApp:
        """The FastAPI application (admin endpoints, /docs), built on first use."""
        if self._api is None:
            from shared.api import create_api

            self._api = create_api(self.platform)
        return self._api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            await self.api(scope, receive, send)
            return
        path, method = scope.get("path", ""), scope["method"]
        send = _dated(send)
        try:
            if method == "POST" and path.startswith(_WEBHOOK_PREFIX) and "/" not in path[9:] \
                    and path[9:] in self.platform.bot_names:
                await telegram_webhook(self.platform, path[9:], scope, receive, send)
                return
            if method in ("GET", "HEAD") and self.platform.hot_routes:
                for prefix, route in self.platform.hot_routes.items():
                    if path.startswith(prefix):
                        await route(scope, receive, send)
                        return
            if path == "/health" and method in ("GET", "HEAD"):
                body = orjson.dumps(await health_body(self.platform))
                await _respond(send, 200, body, head=method == "HEAD")
                return
            if path == "/ready" and method == "GET":
                ok = readiness(self.platform)
                await _respond(send, 200 if ok else 503, orjson.dumps({"ready": ok}))
                return
        except Exception:
            log.exception("request failed", extra={"path": path})
            # if the answer had already started, the server closes the connection
            with contextlib.suppress(Exception):
                await _respond(send, 500, _error_body("internal error"))
            return
        for prefix, mounted in self.mounts:
            if path == prefix or path.startswith(prefix + "/"):  # "/" alone: only "/"
                await mounted(scope, receive, send)
                return
        await self.api(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """ASGI lifespan: the platform starts with the server and stops with it."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.platform.start()
                except Exception as exc:  # noqa: BLE001 - reported to the server, which exits
                    await self.platform.stop()
                    log.error("start-up failed: %s", exc)
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                # Everything built so far lives as long as the process: keep it out of the
                # cyclic collector's full passes, which otherwise scan it all and stall every
                # request in flight (a p99 of ~100 ms under load instead of ~10 ms).
                gc.freeze()
                gc.enable()  # off during start-up (shared.__main__.serve)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.platform.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(settings: Settings, *, mode: Mode = "webhook", force: bool = False) -> Service:
    """The ASGI application for ``settings``."""
    return Service(Platform(settings, mode=mode, force=force))
