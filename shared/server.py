"""The FastAPI application: webhooks, health and readiness; the platform runs in its lifespan."""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from shared import __version__
from shared.config import Settings
from shared.errors import StorageUnavailable
from shared.inbox import chat_key_of
from shared.platform import Mode, Platform

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # 1 MB; Telegram's updates are a few KB
SECRET_HEADER = "x-telegram-bot-api-secret-token"

_OK_BODY = b'{"ok":true}'

router = APIRouter()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


@router.post("/webhook/{bot}", include_in_schema=False)
async def telegram_webhook(bot: str, request: Request) -> Response:
    """Store one update durably and acknowledge it; the inbox worker handles it."""
    platform: Platform = request.app.state.platform
    secret = platform.secrets.get(bot)
    if secret is None:
        return _error(404, "no such bot")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return _error(401, "wrong secret token")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return _error(400, "body too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return _error(400, "body too large")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _error(400, "malformed JSON")
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if type(update_id) is not int or update_id < 0:
        return _error(400, "not a Telegram update")
    try:
        await platform.intake.put(bot, update_id, chat_key_of(data), body.decode())
    except StorageUnavailable:
        # Telegram retries non-2xx answers: the update is not lost
        log.error("webhook: storage unavailable", extra={"bot": bot, "update_id": update_id})
        return _error(503, "storage unavailable, retry later")
    return Response(content=_OK_BODY, media_type="application/json")


@router.api_route("/health", methods=["GET", "HEAD"])
async def health(request: Request) -> Response:
    """Liveness and a summary for uptime pingers; never writes, never shows a secret."""
    platform: Platform = request.app.state.platform
    body = await platform.health()
    if request.method == "HEAD":
        return Response(status_code=200, media_type="application/json")
    return JSONResponse(body)


@router.get("/ready")
async def ready(request: Request) -> Response:
    """200 once the storage is up and every configured bot is registered; 503 before."""
    platform: Platform = request.app.state.platform
    bots_ready = all(r.state == "ready" for r in platform.runtimes.values())
    ok = platform.ready and bots_ready
    return JSONResponse({"ready": ok}, status_code=200 if ok else 503)


@router.get("/", include_in_schema=False)
async def root() -> dict[str, str]:
    return {"service": "avap-support-and-timetoshopping", "version": __version__}


def create_app(settings: Settings, *, mode: Mode = "webhook", force: bool = False) -> FastAPI:
    """The ASGI application; the platform starts with the server and stops with it."""
    platform = Platform(settings, mode=mode, force=force)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await platform.start()
        except BaseException:
            await platform.stop()
            raise
        try:
            yield
        finally:
            await platform.stop()

    app = FastAPI(title="AVAP support bot and TimeToShopping bot", version=__version__,
                  lifespan=lifespan, docs_url="/docs", redoc_url=None)
    app.state.platform = platform
    app.include_router(router)
    return app
